package dev.nabla.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Runs an example's picocli command the way every example behaves: a bad option value is one line on stderr and
 * exit status 2 (picocli's own, before any work starts); an error the program finds while running (an unreadable
 * checkpoint, data it cannot use) is one line and status 1; {@code --help} and {@code --version} exit 0.
 */
public final class Cli {
    private Cli() {
    }

    /** Parses {@code args} into {@code command}, runs it and returns the exit status, writing to stdout/stderr. */
    public static int execute(Object command, String... args) {
        CommandLine cl = commandLine(command);
        int status = cl.execute(args);
        // picocli's writers flush on println and printf only; main calls System.exit next
        cl.getOut().flush();
        cl.getErr().flush();
        return status;
    }

    /** As {@link #execute(Object, String...)}, writing to {@code out} and {@code err} (what tests capture). */
    public static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(command);
        cl.setOut(out);
        cl.setErr(err);
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    private static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler(Cli::usageError);
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> runError(e, commandLine));
        return cl;
    }

    /** One line naming the option and the problem, instead of picocli's default of the error plus the whole usage. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println(cl.getCommandName() + ": " + e.getMessage() + " (see --help)");
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * Errors a user can act on (bad files, bad data, a refused request) as one line; anything else is a bug and
     * keeps its stack trace.
     */
    private static int runError(Exception e, CommandLine cl) throws Exception {
        if (e instanceof IOException || e instanceof UncheckedIOException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException) {
            cl.getErr().println(cl.getCommandName() + ": " + e.getMessage());
            return cl.getCommandSpec().exitCodeOnExecutionException();
        }
        throw e;
    }
}
