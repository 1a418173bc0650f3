package dev.nabla.examples.cli;

import dev.nabla.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option types that check their value while the command line is parsed, so a bad value stops the program before
 * it loads data or trains (picocli reports the message as {@code Invalid value for option '--x': <message>}).
 */
public final class Checks {
    private Checks() {
    }

    /** An integer of at least 1. */
    public static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n;
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not an integer");
            }
            if (n < 1) {
                throw new TypeConversionException("must be at least 1, got " + n);
            }
            return n;
        }
    }

    /** A finite number of at least 0 (learning rates, weight decay, noise, clipping norms). */
    public static final class NonNegative implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double x = number(value);
            if (!(x >= 0) || Double.isInfinite(x)) {
                throw new TypeConversionException("must be a finite number >= 0, got " + value);
            }
            return x;
        }
    }

    /** A number in [0, 1) (dropout probabilities, warm-up fractions). */
    public static final class Fraction implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double x = number(value);
            if (!(x >= 0 && x < 1)) {
                throw new TypeConversionException("must be in [0, 1), got " + value);
            }
            return x;
        }
    }

    /** A file that exists and can be read (a checkpoint to resume from). */
    public static final class ReadableFile implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Path.of(value);
            if (!Files.isRegularFile(p)) {
                throw new TypeConversionException("no such file: " + value);
            }
            if (!Files.isReadable(p)) {
                throw new TypeConversionException("cannot read " + value);
            }
            return p;
        }
    }

    /** A directory that exists (input data). */
    public static final class ExistingDirectory implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Path.of(value);
            if (!Files.isDirectory(p)) {
                throw new TypeConversionException("no such directory: " + value);
            }
            return p;
        }
    }

    /** A directory to write into: it exists as a directory or does not exist yet (then it is created). */
    public static final class OutputDirectory implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            Path p = Path.of(value);
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new TypeConversionException(value + " exists and is not a directory");
            }
            return p;
        }
    }

    /** {@code cpu}, {@code java}, {@code cuda} or {@code cuda:N}, as {@link Device#parse} reads them. */
    public static final class DeviceName implements ITypeConverter<Device> {
        @Override
        public Device convert(String value) {
            try {
                return Device.parse(value);
            } catch (RuntimeException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * One of an enum's constants, named in lower case ({@code --optimizer adamw}); subclasses name the enum.
     *
     * @param <E> the enum
     */
    public abstract static class Choice<E extends Enum<E>> implements ITypeConverter<E> {
        private final Class<E> type;

        protected Choice(Class<E> type) {
            this.type = type;
        }

        @Override
        public E convert(String value) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(value.strip())) {
                    return e;
                }
            }
            throw new TypeConversionException("expected one of " + names(type) + ", got '" + value + "'");
        }

        /** The constants' names in lower case, comma-separated (for messages and help). */
        public static String names(Class<? extends Enum<?>> type) {
            return String.join(", ", Arrays.stream(type.getEnumConstants())
                    .map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    private static double number(String value) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
    }
}
