package dev.nabla.examples.maml;

import dev.nabla.Autograd;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.nn.Linear;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Model-agnostic meta-learning (Finn et al., 2017) on the paper's few-shot sine regression: a 1-40-40-1 ReLU MLP
 * is meta-trained so that a few plain SGD steps on K = 10 points of a new sine wave fit that wave.
 *
 * <p>Each meta-step draws a batch of tasks; for each, the inner loop takes SGD steps on K support points with
 * {@code createGraph} (Nabla's double backward: {@link Autograd#grad} records its own computation), so the query
 * loss of the adapted weights backpropagates through the adaptation to the initial weights: the second-order
 * meta-gradient. Adam applies it. For comparison a baseline with the same network is pretrained on all tasks
 * jointly (plain regression on the same number of task batches) and fine-tuned the same way. Both are evaluated on
 * held-out tasks: the MSE on 100 query points before adaptation and after the inner SGD steps on K support points.
 *
 * <pre>
 * java ... dev.nabla.examples.maml.SineMaml --iterations 2000 --inner-steps 5
 * </pre>
 */
public final class SineMaml {
    private static final int HIDDEN = 40;
    private static final int QUERY_POINTS = 100;

    private SineMaml() {
    }

    /**
     * What one run does.
     *
     * @param iterations meta-steps (and the baseline's pretraining steps)
     * @param metaBatch  tasks per meta-step
     * @param shots      support points per task (K)
     * @param innerSteps SGD steps of the inner loop, in training and at evaluation
     * @param innerLr    the inner SGD step size (alpha)
     * @param metaLr     Adam's learning rate for the meta-update (beta)
     * @param evalTasks  held-out tasks evaluated
     * @param logEvery   meta-steps between progress lines
     * @param seed       seeds weights, tasks and points
     * @param device     where tensors live
     */
    public record Options(int iterations, int metaBatch, int shots, int innerSteps, double innerLr, double metaLr,
                          int evalTasks, int logEvery, long seed, Device device) {
        /** The paper's setting (K 10, alpha 0.01, Adam 1e-3) with 2000 meta-steps of 10 tasks and 5 inner steps. */
        public static Options defaults() {
            return new Options(2000, 10, 10, 5, 0.01, 1e-3, 100, 200, 0, Device.CPU);
        }
    }

    /**
     * Mean MSE over the held-out tasks, before and after adaptation.
     *
     * @param mamlPre      meta-learned weights, before adaptation
     * @param mamlPost     meta-learned weights, after the inner SGD steps
     * @param baselinePre  jointly pretrained weights, before adaptation
     * @param baselinePost jointly pretrained weights, after the same SGD steps
     */
    public record Result(double mamlPre, double mamlPost, double baselinePre, double baselinePost) {
    }

    /** The 1-40-40-1 network's weights and biases, initialised like {@link Linear} (leaves requiring grad). */
    static List<Tensor> initialWeights(Generator g, Device device) {
        List<Tensor> params = new ArrayList<>();
        params.addAll(new Linear(1, HIDDEN, true, g, DType.FLOAT32, device).parameters());
        params.addAll(new Linear(HIDDEN, HIDDEN, true, g, DType.FLOAT32, device).parameters());
        params.addAll(new Linear(HIDDEN, 1, true, g, DType.FLOAT32, device).parameters());
        return params;
    }

    /** The network applied with the given weights (meta-weights or adapted ones). */
    static Tensor forward(List<Tensor> w, Tensor x) {
        Tensor h = F.linear(x, w.get(0), w.get(1)).relu();
        h = F.linear(h, w.get(2), w.get(3)).relu();
        return F.linear(h, w.get(4), w.get(5));
    }

    /**
     * The inner loop: {@code steps} SGD steps from {@code w} on one task's support points. With {@code createGraph}
     * the adapted weights stay functions of {@code w} (second order); without, each step starts from fresh leaves.
     */
    static List<Tensor> adapt(List<Tensor> w, SineTask.Points support, int steps, double lr, boolean createGraph) {
        List<Tensor> fast = createGraph ? w : freshLeaves(w);
        for (int s = 0; s < steps; s++) {
            Tensor loss = F.mseLoss(forward(fast, support.x()), support.y());
            Tensor[] grads = Autograd.grad(loss, fast.toArray(Tensor[]::new), null, createGraph, createGraph);
            List<Tensor> next = new ArrayList<>();
            for (int i = 0; i < fast.size(); i++) {
                next.add(fast.get(i).sub(grads[i].mul(lr)));
            }
            fast = createGraph ? next : freshLeaves(next);
        }
        return fast;
    }

    private static List<Tensor> freshLeaves(List<Tensor> w) {
        return w.stream().map(t -> t.detach().requiresGrad_(true)).toList();
    }

    /** One meta-step over a batch of tasks; returns the mean query loss after adaptation. */
    static double metaStep(List<Tensor> w, Optimizer opt, Generator g, Options o) {
        try (Scope step = Scope.open()) {
            Tensor metaLoss = null;
            for (int t = 0; t < o.metaBatch; t++) {
                SineTask task = SineTask.sample(g);
                SineTask.Points support = task.points(g, o.shots, o.device);
                SineTask.Points query = task.points(g, o.shots, o.device);
                List<Tensor> fast = adapt(w, support, o.innerSteps, o.innerLr, true);
                Tensor loss = F.mseLoss(forward(fast, query.x()), query.y());
                metaLoss = metaLoss == null ? loss : metaLoss.add(loss);
            }
            metaLoss = metaLoss.div(o.metaBatch);
            opt.zeroGrad();
            metaLoss.backward();
            opt.step();
            return metaLoss.item();
        }
    }

    /** One step of the baseline: plain regression on a batch of tasks' points, all tasks pooled. */
    static double jointStep(List<Tensor> w, Optimizer opt, Generator g, Options o) {
        try (Scope step = Scope.open()) {
            Tensor loss = null;
            for (int t = 0; t < o.metaBatch; t++) {
                SineTask.Points points = SineTask.sample(g).points(g, 2 * o.shots, o.device);
                Tensor l = F.mseLoss(forward(w, points.x()), points.y());
                loss = loss == null ? l : loss.add(l);
            }
            loss = loss.div(o.metaBatch);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            return loss.item();
        }
    }

    /** Mean query MSE over held-out tasks (the same ones for every call): {pre-adaptation, post-adaptation}. */
    static double[] evaluate(List<Tensor> w, Options o) {
        Generator g = new Generator(o.seed + 1_000_003); // held out: never drawn from during training
        double pre = 0;
        double post = 0;
        for (int t = 0; t < o.evalTasks; t++) {
            try (Scope task = Scope.open()) {
                SineTask sine = SineTask.sample(g);
                SineTask.Points support = sine.points(g, o.shots, o.device);
                SineTask.Points query = sine.points(g, QUERY_POINTS, o.device);
                pre += F.mseLoss(forward(w, query.x()), query.y()).item();
                List<Tensor> adapted = adapt(w, support, o.innerSteps, o.innerLr, false);
                post += F.mseLoss(forward(adapted, query.x()), query.y()).item();
            }
        }
        return new double[] {pre / o.evalTasks, post / o.evalTasks};
    }

    /** Meta-trains MAML and pretrains the baseline as {@code o} says, logging to {@code log} (null: silent). */
    public static Result run(Options o, PrintStream log) {
        List<Tensor> maml = initialWeights(new Generator(o.seed), o.device);
        List<Tensor> joint = initialWeights(new Generator(o.seed), o.device);
        Optimizer mamlOpt = new Adam(maml, o.metaLr);
        Optimizer jointOpt = new Adam(joint, o.metaLr);
        Generator mamlTasks = new Generator(o.seed + 1);
        Generator jointTasks = new Generator(o.seed + 1);
        if (log != null) {
            log.printf(Locale.ROOT, "MAML on sine regression: K=%d, %d tasks per meta-step, %d inner SGD step(s) of "
                    + "lr %s, Adam lr %s, %d meta-steps, %s%n", o.shots, o.metaBatch, o.innerSteps, o.innerLr,
                    o.metaLr, o.iterations, o.device);
        }
        long start = System.nanoTime();
        double mamlSum = 0;
        double jointSum = 0;
        for (int it = 1; it <= o.iterations; it++) {
            mamlSum += metaStep(maml, mamlOpt, mamlTasks, o);
            jointSum += jointStep(joint, jointOpt, jointTasks, o);
            if (log != null && (it % o.logEvery == 0 || it == o.iterations)) {
                int n = it % o.logEvery == 0 ? o.logEvery : it % o.logEvery;
                log.printf(Locale.ROOT, "step %5d  MAML post-adaptation query loss %.4f  baseline loss %.4f  (%.1f s)%n",
                        it, mamlSum / n, jointSum / n, (System.nanoTime() - start) / 1e9);
                mamlSum = 0;
                jointSum = 0;
            }
        }
        double[] m = evaluate(maml, o);
        double[] b = evaluate(joint, o);
        Result r = new Result(m[0], m[1], b[0], b[1]);
        if (log != null) {
            log.printf(Locale.ROOT, "held-out tasks: %d, K=%d support points, %d query points, %d SGD step(s) of lr %s%n",
                    o.evalTasks, o.shots, QUERY_POINTS, o.innerSteps, o.innerLr);
            log.printf(Locale.ROOT, "%-22s %12s %12s%n", "query MSE", "pre-adapt", "post-adapt");
            log.printf(Locale.ROOT, "%-22s %12.4f %12.4f%n", "MAML", r.mamlPre, r.mamlPost);
            log.printf(Locale.ROOT, "%-22s %12.4f %12.4f%n", "pretrained on all tasks", r.baselinePre,
                    r.baselinePost);
        }
        return r;
    }

    /** The command line: every field of {@link Options} as an option, with the defaults of {@link Options#defaults}. */
    @Command(name = "sine-maml", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
            showDefaultValues = true, description = "Meta-learn few-shot sine regression with MAML (second order).")
    public static final class Program implements Callable<Integer> {
        private static final Options DEFAULTS = Options.defaults();

        @Option(names = "--iterations", converter = Checks.PositiveInt.class, description = "meta-steps")
        int iterations = DEFAULTS.iterations;
        @Option(names = "--meta-batch", converter = Checks.PositiveInt.class, description = "tasks per meta-step")
        int metaBatch = DEFAULTS.metaBatch;
        @Option(names = "--shots", converter = Checks.PositiveInt.class, description = "support points per task (K)")
        int shots = DEFAULTS.shots;
        @Option(names = "--inner-steps", converter = Checks.PositiveInt.class,
                description = "inner-loop SGD steps (training and evaluation)")
        int innerSteps = DEFAULTS.innerSteps;
        @Option(names = "--inner-lr", converter = Checks.NonNegative.class, description = "inner SGD step size")
        double innerLr = DEFAULTS.innerLr;
        @Option(names = "--meta-lr", converter = Checks.NonNegative.class, description = "Adam's meta learning rate")
        double metaLr = DEFAULTS.metaLr;
        @Option(names = "--eval-tasks", converter = Checks.PositiveInt.class, description = "held-out tasks")
        int evalTasks = DEFAULTS.evalTasks;
        @Option(names = "--log-every", converter = Checks.PositiveInt.class, description = "meta-steps per log line")
        int logEvery = DEFAULTS.logEvery;
        @Option(names = "--seed", description = "seeds weights, tasks and points")
        long seed = DEFAULTS.seed;
        @Option(names = "--device", converter = Checks.DeviceName.class, description = "cpu, java, cuda or cuda:N")
        Device device = DEFAULTS.device;

        @Override
        public Integer call() {
            run(new Options(iterations, metaBatch, shots, innerSteps, innerLr, metaLr, evalTasks, logEvery, seed,
                    device), System.out);
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new Program(), args));
    }
}
