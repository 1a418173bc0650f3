package dev.nabla.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.examples.GemmDemo;
import dev.nabla.examples.demo.FashionMnistDemo;
import dev.nabla.examples.fashion.FashionMnistTrain;
import java.io.PrintWriter;
import java.io.StringWriter;
import dev.nabla.examples.maml.SineMaml;
import dev.nabla.examples.residual.ResidualMlp;
import dev.nabla.examples.tutorial.TutorialNetwork;
import dev.nabla.examples.sequence.LstmSequence;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every example's command line: bad values are one line and status 2 before any work; help and version work. */
class CommandLineTest {
    /** What one run of a command printed and returned. */
    record Run(int status, String out, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Cli.execute(command, new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    /** Status 2, nothing on stdout (no work began), and exactly one line on stderr that names the option. */
    static void assertUsageError(Run r, String option) {
        assertEquals(2, r.status(), r.toString());
        assertEquals("", r.out(), "work began before the bad option was reported: " + r);
        assertEquals(1, r.err().lines().count(), "not one line: " + r.err());
        assertTrue(r.err().contains(option), "the message does not name " + option + ": " + r.err());
    }

    /** The list of bad values for the Fashion-MNIST program (each used to train, hang or print a trace). */
    @ParameterizedTest
    @ValueSource(strings = {"--epochs 0", "--resume /missing/checkpoint.safetensors", "--optimizer foo",
        "--stop-after 0", "--train-limit 0", "--test-limit 0", "--data-dir /nonexistent", "--model rnn",
        "--amp fp8", "--batch-size -1", "--lr abc", "--lr -1", "--device gpu", "--epochs"})
    void fashionMnistRejectsBadValuesInOneLine(String args) {
        assertUsageError(run(new FashionMnistTrain(), args.split(" ")), args.split(" ")[0]);
    }

    @Test
    void unknownOptionsAreRejectedInOneLine() {
        assertUsageError(run(new FashionMnistTrain(), "--epoch", "3"), "--epoch");
        assertUsageError(run(new GemmDemo(), "--sizes", "3"), "--sizes");
    }

    @Test
    void enumValuesAreListedInLowerCaseAndAcceptedInAnyCase() {
        Run r = run(new FashionMnistTrain(), "--optimizer", "foo");
        assertTrue(r.err().contains("expected one of sgd, adam, adamw, got 'foo'"), r.err());
    }

    /** Each program with an option that must be at least 1. */
    static Stream<Arguments> programs() {
        return Stream.of(
                Arguments.of((Supplier<Object>) FashionMnistTrain::new, "--epochs"),
                Arguments.of((Supplier<Object>) GemmDemo::new, "--size"),
                Arguments.of((Supplier<Object>) TutorialNetwork.Program::new, "--epochs"),
                Arguments.of((Supplier<Object>) ResidualMlp.Program::new, "--epochs"),
                Arguments.of((Supplier<Object>) LstmSequence.Program::new, "--epochs"),
                Arguments.of((Supplier<Object>) SineMaml.Program::new, "--iterations"),
                Arguments.of((Supplier<Object>) FashionMnistDemo::new, "--epochs"));
    }

    @ParameterizedTest
    @MethodSource("programs")
    void everyProgramChecksValuesAndHasHelpAndVersion(Supplier<Object> program, String positiveOption) {
        assertUsageError(run(program.get(), positiveOption, "0"), positiveOption);
        assertUsageError(run(program.get(), positiveOption, "many"), positiveOption);

        Run help = run(program.get(), "--help");
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.out().contains(positiveOption) && help.out().contains("Default: "), help.out());

        Run version = run(program.get(), "--version");
        assertEquals(0, version.status(), version.toString());
        assertTrue(version.out().contains(ProjectVersion.version()), version.out());
        assertTrue(ProjectVersion.version().matches("\\d+\\.\\d+\\.\\d+.*"), ProjectVersion.version());
    }

    @Test
    void infoPrintsWhatNablaFoundAndExits() {
        Run r = run(new FashionMnistTrain(), "--info");
        assertEquals(0, r.status(), r.toString());
        assertEquals(dev.nabla.Nabla.info(), r.out());
    }

    @Test
    void checksBetweenOptionsAreUsageErrorsToo() {
        assertUsageError(run(new ResidualMlp.Program(), "--train", "16", "--batch-size", "32"), "--train");
        assertUsageError(run(new ResidualMlp.Program(), "--batch-size", "1"), "--batch-size");
    }
}
