package dev.nabla.optim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the fixtures {@code scripts/make_optim_fixtures.py} writes under {@code fixtures/optim/}: a minimal JSON
 * parser (objects as insertion-ordered maps, arrays as lists, numbers as {@code Double} via
 * {@link Double#parseDouble}, which reads Python's {@code repr()} back exactly, including {@code Infinity} and
 * {@code NaN}) and a few typed accessors.
 */
final class OptimFixtures {
    private final String s;
    private int i;

    private OptimFixtures(String s) {
        this.s = s;
    }

    /** The parsed fixture file {@code fixtures/optim/<name>}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> load(String name) {
        String path = "/fixtures/optim/" + name;
        try (InputStream in = OptimFixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + path + " (run: /usr/bin/python3 "
                        + "scripts/make_optim_fixtures.py src/test/resources/fixtures/optim)");
            }
            return (Map<String, Object>) parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Object parse(String text) {
        OptimFixtures p = new OptimFixtures(text);
        Object v = p.value();
        p.skipSpace();
        if (p.i != text.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    // ---------------------------------------------------------------- typed access

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    static double[] doubles(Object o) {
        List<Object> l = list(o);
        double[] out = new double[l.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = (Double) l.get(k);
        }
        return out;
    }

    static int[] ints(Object o) {
        double[] d = doubles(o);
        int[] out = new int[d.length];
        for (int k = 0; k < d.length; k++) {
            out[k] = (int) d[k];
        }
        return out;
    }

    /** A {"shape": [...], "data": [...]} tensor. */
    record Data(long[] shape, double[] data) {
        static Data of(Object o) {
            Map<String, Object> m = map(o);
            int[] sh = ints(m.get("shape"));
            long[] shape = new long[sh.length];
            for (int k = 0; k < sh.length; k++) {
                shape[k] = sh[k];
            }
            return new Data(shape, doubles(m.get("data")));
        }
    }

    // ---------------------------------------------------------------- parser

    private Object value() {
        skipSpace();
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(i);
        if (c == '{') {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            if (peek() == '}') {
                i++;
                return m;
            }
            do {
                skipSpace();
                String key = string();
                expect(':');
                m.put(key, value());
            } while (more('}'));
            return m;
        }
        if (c == '[') {
            List<Object> l = new ArrayList<>();
            i++;
            if (peek() == ']') {
                i++;
                return l;
            }
            do {
                l.add(value());
            } while (more(']'));
            return l;
        }
        if (c == '"') {
            return string();
        }
        int start = i;
        while (i < s.length() && ("+-.".indexOf(s.charAt(i)) >= 0 || Character.isLetterOrDigit(s.charAt(i)))) {
            i++;
        }
        String tok = s.substring(start, i);
        return switch (tok) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            case "null" -> null;
            default -> {
                try {
                    yield Double.parseDouble(tok);
                } catch (NumberFormatException e) {
                    i = start;
                    throw error("bad token '" + tok + "'");
                }
            }
        };
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (i < s.length() && s.charAt(i) != '"') {
            char c = s.charAt(i++);
            if (c == '\\') {
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            } else {
                b.append(c);
            }
        }
        expect('"');
        return b.toString();
    }

    private boolean more(char close) {
        char c = peek();
        i++;
        if (c == ',') {
            return true;
        }
        if (c != close) {
            i--;
            throw error("expected ',' or '" + close + "'");
        }
        return false;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private char peek() {
        skipSpace();
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private void skipSpace() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("optim fixture JSON: " + what + " at character " + i + " near '"
                + s.substring(Math.max(0, i - 20), Math.min(s.length(), i + 20)) + "'");
    }
}
