package dev.nabla.examples.demo;

import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.examples.fashion.FashionMnistTrain;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code make demo}: serves a local web page where one draws or picks a Fashion-MNIST image and sees the trained
 * model's top-3 predictions and the training curves. Uses the checkpoint FashionMnistTrain left in the output
 * directory, or trains the MLP there first. Listens on 127.0.0.1 only; runs until stopped (Ctrl-C).
 */
@Command(name = "fashion-mnist-demo", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        showDefaultValues = true, description = "Serve a local web page that classifies drawn or picked "
        + "Fashion-MNIST images with the trained model.")
public final class FashionMnistDemo implements Callable<Integer> {
    /** A TCP port, 0 meaning any free one. */
    static final class Port implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int port;
            try {
                port = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a port number");
            }
            if (port < 0 || port > 65535) {
                throw new TypeConversionException("must be in 0..65535 (0: any free port), got " + port);
            }
            return port;
        }
    }

    @Option(names = "--port", converter = Port.class, description = "port on 127.0.0.1 (0: any free port)")
    int port = 8080;
    @Option(names = "--output-dir", converter = Checks.OutputDirectory.class, description = "FashionMnistTrain's "
            + "output directory: checkpoint.safetensors, history.png and history.csv are read from here")
    Path outputDir = Path.of("runs", "fashion-mnist");
    @Option(names = "--epochs", converter = Checks.PositiveInt.class, description = "when there is no checkpoint yet: "
            + "train the MLP for this many epochs first (default: FashionMnistTrain's)")
    Integer epochs;
    @Option(names = "--train-limit", converter = Checks.PositiveInt.class,
            description = "when there is no checkpoint yet: train on the first N images only (quick runs)")
    Integer trainLimit;
    @Option(names = "--data-dir", converter = Checks.ExistingDirectory.class, description = "directory with the IDX "
            + "files (default: as FashionMnistTrain looks)")
    Path dataDir;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.execute(new FashionMnistDemo(), args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        DemoServer server = start(out, spec.commandLine().getErr());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        out.println("demo: open " + server.uri() + " (listening on the loopback address only; Ctrl-C stops it)");
        out.flush();
        stopped.await();
        return 0;
    }

    /**
     * Trains if there is no checkpoint, loads the model and the test images, and starts the server (what
     * {@link #call} does before it waits; tests call it directly after parsing the options).
     */
    DemoServer start(PrintWriter out, PrintWriter err) throws Exception {
        Path checkpoint = outputDir.resolve("checkpoint.safetensors");
        if (Files.isRegularFile(checkpoint)) {
            out.println("demo: using " + checkpoint + (epochs != null || trainLimit != null
                    ? " (--epochs and --train-limit only apply when there is none; delete it to train again)" : ""));
        } else {
            out.println("demo: no " + checkpoint + " yet: training the MLP first");
            out.flush();
            int status = Cli.execute(new FashionMnistTrain(), out, err, trainArguments().toArray(String[]::new));
            if (status != 0) {
                throw new IllegalStateException("training failed (exit status " + status + "); see above");
            }
        }
        DemoModel model = DemoModel.load(checkpoint);
        TestImages images = TestImages.load(dataDir);
        out.println("demo: " + model.name() + " model from " + checkpoint + ", " + images.size() + " test images");
        return DemoServer.start(port, model, images, outputDir);
    }

    private List<String> trainArguments() {
        List<String> args = new ArrayList<>(List.of("--model", "mlp", "--output-dir", outputDir.toString()));
        if (epochs != null) {
            args.addAll(List.of("--epochs", epochs.toString()));
        }
        if (trainLimit != null) {
            args.addAll(List.of("--train-limit", trainLimit.toString()));
        }
        if (dataDir != null) {
            args.addAll(List.of("--data-dir", dataDir.toString()));
        }
        return args;
    }
}
