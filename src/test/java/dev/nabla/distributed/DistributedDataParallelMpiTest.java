package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Tanh;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.ClipGrad;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Data-parallel training on N ranks with per-rank batch B equals single-process training with batch N*B (float64,
 * to 1e-12), and the ranks' parameters are bit-for-bit identical after every step: with gradient clipping, SGD with
 * momentum and AdamW, one bucket or many, and gradient accumulation under {@code noSync()}. The single-process
 * reference runs on every rank from the same seeds. Skipped when not under mpirun.
 */
@EnabledIfEnvironmentVariable(named = "OMPI_COMM_WORLD_SIZE", matches = "[2-9]|[1-9][0-9]+")
class DistributedDataParallelMpiTest {
    private static final int B = 4;
    private static final int IN = 6;
    private static final int HIDDEN = 10;
    private static final int OUT = 3;
    private static final int STEPS = 20;

    private static ProcessGroup group;
    private static int rank;
    private static int size;

    @BeforeAll
    static void join() {
        group = MpiTests.group();
        rank = group.rank();
        size = group.size();
    }

    private static Module model(long seed) {
        return new Sequential(new Linear(IN, HIDDEN, true, new Generator(seed), DType.FLOAT64, Device.CPU), new Tanh(),
                new Linear(HIDDEN, OUT, true, new Generator(seed + 1), DType.FLOAT64, Device.CPU));
    }

    /** The global batch of one step: {@code rows} samples (inputs, targets), the same on every rank. */
    private static Tensor[] globalBatch(int step, int rows) {
        Generator g = new Generator(1000 + step);
        return new Tensor[] {Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, rows, IN),
                Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, rows, OUT)};
    }

    private static void train(Module m, Optimizer opt, Tensor x, Tensor y, double scale, boolean step) {
        Tensor loss = F.mseLoss(m.forward(x), y).mul(scale);
        loss.backward();
        if (step) {
            ClipGrad.norm(m.parameters(), 0.5);
            opt.step();
            opt.zeroGrad();
        }
    }

    private void trainAndCompare(Function<List<Tensor>, Optimizer> optimizer, long bucketBytes, int micro) {
        Module reference = model(0);
        Module local = model(100 + rank); // different on every rank: the wrapper must broadcast rank 0's
        try (var ddp = new DistributedDataParallel(local, group, bucketBytes)) {
            local.zeroGrad();
            Module rank0 = model(100);
            reference.loadStateDict(rank0.stateDict());
            rank0.close();
            Optimizer refOpt = optimizer.apply(reference.parameters());
            Optimizer ddpOpt = optimizer.apply(ddp.parameters());
            for (int step = 0; step < STEPS; step++) {
                try (Scope s = Scope.open()) {
                    Tensor[] all = globalBatch(step, micro * size * B);
                    train(reference, refOpt, all[0], all[1], 1, true);
                    for (int m = 0; m < micro; m++) {
                        long from = (long) (m * size + rank) * B;
                        Tensor x = all[0].narrow(0, from, B);
                        Tensor y = all[1].narrow(0, from, B);
                        boolean last = m == micro - 1;
                        if (last) {
                            train(ddp, ddpOpt, x, y, 1.0 / micro, true);
                        } else {
                            try (var local2 = ddp.noSync()) {
                                train(ddp, ddpOpt, x, y, 1.0 / micro, false);
                            }
                        }
                    }
                    assertSameAsReference(step, reference, local);
                    assertIdenticalOnEveryRank(step, local);
                }
            }
        }
    }

    private static void assertSameAsReference(int step, Module reference, Module local) {
        var ref = reference.namedParameters();
        local.namedParameters().forEach((name, p) -> {
            double[] expected = ref.get(name).toDoubleArray();
            double[] got = p.toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                if (Math.abs(got[i] - expected[i]) > 1e-12) {
                    throw new AssertionError("step " + step + " rank " + rank + " " + name + "[" + i + "]: "
                            + got[i] + " vs single-process " + expected[i]);
                }
            }
        });
    }

    private static void assertIdenticalOnEveryRank(int step, Module local) {
        local.namedParameters().forEach((name, p) -> {
            Tensor all = Tensor.zeros(p.dtype(), p.device(), size, p.numel());
            group.allGather(all, p);
            double[] mine = p.toDoubleArray();
            for (int r = 0; r < size; r++) {
                assertArrayEquals(mine, all.select(0, r).toDoubleArray(),
                        "step " + step + ": " + name + " differs between rank " + rank + " and rank " + r);
            }
        });
    }

    @Test
    void sgdWithMomentumAndClippingInManyBucketsMatchesOneProcess() {
        trainAndCompare(params -> new SGD(params, 0.1, 0.9, 0, 0, false), 64, 1);
    }

    @Test
    void adamWInOneBucketMatchesOneProcess() {
        trainAndCompare(params -> new AdamW(params, 0.01, 0.01), DistributedDataParallel.DEFAULT_BUCKET_BYTES, 1);
    }

    @Test
    void gradientAccumulationUnderNoSyncMatchesOneProcess() {
        trainAndCompare(params -> new SGD(params, 0.05), 200, 3);
    }

    @Test
    void bucketsFollowTheCap() {
        try (var ddp = new DistributedDataParallel(model(7), group, 64)) {
            // reversed: bias2 (24 B) + weight2 (240 B) reach 64 B together; bias1 (80 B); weight1 (480 B)
            assertEquals(3, ddp.bucketCount(), "64-byte buckets");
        }
        try (var ddp = new DistributedDataParallel(model(7), group)) {
            assertEquals(1, ddp.bucketCount(), "one default bucket");
        }
    }
}
