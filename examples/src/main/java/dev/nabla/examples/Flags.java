package dev.nabla.examples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The examples' tiny command-line parser: {@code --name value} pairs, nothing else. */
public final class Flags {
    private Flags() {
    }

    /** {@code --name value} pairs; rejects unknown names and a name without a value. */
    public static Map<String, String> parse(String[] args, String... known) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a.startsWith("--") ? a.substring(2) : null;
            if (name == null || !Arrays.asList(known).contains(name)) {
                throw new IllegalArgumentException("unknown option '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option '" + a + "' needs a value");
            }
            out.put(name, args[++i]);
        }
        return out;
    }
}
