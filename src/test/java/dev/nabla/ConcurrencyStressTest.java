package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.memory.MemoryPool;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Threads that read, view, copy out, multiply, close, replace (by {@code close()} and by closing the scope that owns
 * a published tensor), empty the pool's cache, change its cache limit and backward into shared leaves, all at random
 * on the same tensors. Every value read must be right (each shared tensor holds one known constant), the only error
 * allowed is the use-after-close {@link IllegalStateException}, and no gradient may be lost.
 *
 * <p>Runs {@code nabla.stress.millis} milliseconds per device (default 1500; {@code make soak} runs minutes) with
 * {@code nabla.stress.threads} threads (default 4) and a seed from {@code nabla.stress.seed}.
 */
class ConcurrencyStressTest {
    private static final long MILLIS = Long.getLong("nabla.stress.millis", 1500);
    private static final int THREADS = Integer.getInteger("nabla.stress.threads", 4);
    private static final long SEED = Long.getLong("nabla.stress.seed", 20261205L);
    private static final int SLOTS = 8;
    /** Elements per shared tensor at most: sums of integers up to 8·MAX_N stay exact in float32. */
    private static final int MAX_N = 100_000;

    private final long cacheLimit = MemoryPool.host().maxCachedBytes();

    /** A shared tensor and the constant every one of its elements holds. */
    private record Slot(Tensor t, double value) {
    }

    static Device[] devices() {
        return Device.values();
    }

    @AfterEach
    void restorePool() {
        MemoryPool.host().setMaxCachedBytes(cacheLimit);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void randomReadsClosesViewsTrimsAndBackwardsFromManyThreadsNeverGiveAWrongValue(Device device) throws Exception {
        AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(SLOTS);
        SplittableRandom setup = new SplittableRandom(SEED);
        for (int i = 0; i < SLOTS; i++) {
            slots.set(i, fresh(device, setup));
        }
        Tensor w = Scope.detached(() -> Tensor.zeros(DType.FLOAT32, device, 32).requiresGrad_(true));
        AtomicLong expectedGrad = new AtomicLong();
        AtomicLong ops = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + MILLIS * 1_000_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < THREADS; k++) {
            SplittableRandom rnd = new SplittableRandom(SEED * 31 + k);
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    while (System.nanoTime() < deadline && failures.isEmpty()) {
                        try (Scope step = Scope.open()) {
                            randomOp(device, rnd, slots, w, expectedGrad);
                        } catch (IllegalStateException e) {
                            if (!isUseAfterClose(e)) {
                                throw e;
                            }
                            refused.incrementAndGet();
                        }
                        ops.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "stress-" + k);
            threads.add(t);
            t.start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " thread(s) failed on " + device + " (seed " + SEED
                    + ") after " + ops.get() + " operations", failures.peek());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
        double[] g = w.grad() == null ? new double[32] : w.grad().toDoubleArray();
        for (double v : g) {
            assertEquals(expectedGrad.get(), v, 0.0, "every backward into the shared leaf was counted");
        }
        assertTrue(ops.get() > THREADS, "the threads ran");
        System.out.printf("stress %s: %d operations on %d threads in %d ms, %d refused as use-after-close%n",
                device, ops.get(), THREADS, MILLIS, refused.get());
        for (int i = 0; i < SLOTS; i++) {
            slots.get(i).t().close();
        }
        w.setGrad(null);
        w.close();
    }

    /** One model serving inference on many threads gives each thread the single-threaded answer. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void aModuleServesInferenceFromManyThreads(Device device) throws Exception {
        Generator gen = new Generator(7);
        Module model = new Sequential(new Linear(12, 32, true, gen, DType.FLOAT32, device), new ReLU(),
                new BatchNorm1d(32), new Dropout(0.5, gen), new Linear(32, 4, true, gen, DType.FLOAT32, device));
        model.to(device);
        try (Scope s = Scope.open()) { // some running statistics to normalise with
            model.forward(Tensor.randn(gen, 64, 12).to(device));
        }
        model.eval();
        int inputs = 16;
        Tensor[] x = new Tensor[inputs];
        double[][] expected = new double[inputs][];
        for (int i = 0; i < inputs; i++) {
            long seed = i;
            x[i] = Scope.detached(() -> Tensor.randn(new Generator(100 + seed), 8, 12).to(device));
            try (Scope s = Scope.open(); Grad off = Grad.disabled()) {
                expected[i] = model.forward(x[i]).toDoubleArray();
            }
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong calls = new AtomicLong();
        long deadline = System.nanoTime() + Math.min(MILLIS, 1000) * 1_000_000;
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < THREADS; k++) {
            SplittableRandom rnd = new SplittableRandom(SEED + k);
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline && failures.isEmpty()) {
                        int i = rnd.nextInt(inputs);
                        try (Scope s = Scope.open(); Grad off = Grad.disabled()) {
                            double[] y = model.forward(x[i]).toDoubleArray();
                            if (!java.util.Arrays.equals(expected[i], y)) {
                                fail("input " + i + ": " + java.util.Arrays.toString(y) + " instead of "
                                        + java.util.Arrays.toString(expected[i]));
                            }
                        }
                        calls.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(device + " after " + calls.get() + " forward calls", failures.peek());
        }
        assertTrue(calls.get() >= THREADS, "the threads ran");
        for (Tensor t : x) {
            t.close();
        }
    }

    private static Slot fresh(Device device, SplittableRandom rnd) {
        int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 1000 : MAX_N); // small ones interleave more, large ones run longer
        double value = 1 + rnd.nextInt(8);
        return new Slot(Scope.detached(() -> Tensor.full(value, DType.FLOAT32, device, n)), value);
    }

    private static boolean isUseAfterClose(IllegalStateException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("closed") || m.contains("released");
    }

    private static void randomOp(Device device, SplittableRandom rnd, AtomicReferenceArray<Slot> slots, Tensor w,
                                 AtomicLong expectedGrad) {
        int i = rnd.nextInt(SLOTS);
        Slot s = slots.get(i);
        Tensor t = s.t();
        switch (rnd.nextInt(10)) {
            case 0, 1 -> expect("sum", s.value() * t.numel(), t.sum().item());
            case 2 -> { // a view of a random range
                long n = t.numel();
                long start = rnd.nextLong(n);
                long len = 1 + rnd.nextLong(n - start);
                expect("narrow().sum", s.value() * len, t.narrow(0, start, len).sum().item());
            }
            case 3 -> { // copy out to a Java array through a strided view
                long n = t.numel() / 2 * 2;
                if (n > 0) {
                    double[] a = t.narrow(0, 0, n).view(2, n / 2).t().toDoubleArray();
                    for (double v : a) {
                        expect("toDoubleArray", s.value(), v);
                    }
                }
            }
            case 4 -> { // GEMM: an m x m view times ones sums each row
                long m = (long) Math.sqrt((double) t.numel());
                Tensor ones = Tensor.ones(DType.FLOAT32, device, m, 1);
                double[] rows = t.narrow(0, 0, m * m).view(m, m).matmul(ones).toDoubleArray();
                for (double v : rows) {
                    expect("matmul", s.value() * m, v);
                }
            }
            case 5 -> { // replace: close the old tensor under the readers
                Slot next = fresh(device, rnd);
                slots.getAndSet(i, next).t().close();
            }
            case 6 -> { // publish a tensor that this step's scope releases when it closes
                int n = 1 + rnd.nextInt(MAX_N);
                double value = 1 + rnd.nextInt(8);
                Slot scoped = new Slot(Tensor.full(value, DType.FLOAT32, device, n), value);
                Slot old = slots.getAndSet(i, scoped);
                old.t().close();
            }
            case 7 -> {
                if (rnd.nextBoolean()) {
                    MemoryPool.host().emptyCache();
                } else {
                    MemoryPool.host().setMaxCachedBytes(rnd.nextBoolean() ? 0 : 4L << 30);
                }
            }
            case 8 -> { // backward into the shared leaf: d/dw sum(w * k) = k
                int k = 1 + rnd.nextInt(3);
                w.mul(k).sum().backward();
                expectedGrad.addAndGet(k);
            }
            default -> { // a private tensor that the others never see, written in place
                Tensor own = t.clone();
                own.add_(1.0);
                expect("clone().add_", (s.value() + 1) * t.numel(), own.sum().item());
            }
        }
    }

    private static void expect(String what, double expected, double actual) {
        if (expected != actual) {
            fail(what + ": read " + actual + ", expected " + expected);
        }
    }
}
