package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader for the fixtures {@code scripts/make_nn_fixtures.py} writes: objects (insertion-ordered
 * maps), arrays, strings without escapes beyond {@code \" \\}, numbers (as {@code Double}, parsed by
 * {@link Double#parseDouble}, which reads Python's {@code repr()} back exactly), booleans and null.
 * (The reader in {@code dev.nabla.fixtures} is package-private there.)
 */
final class FixtureJson {
    private final String s;
    private int i;

    private FixtureJson(String s) {
        this.s = s;
    }

    /** The parsed resource {@code /fixtures/nn/<name>}. */
    static Map<String, Object> resource(String name) {
        String path = "/fixtures/nn/" + name;
        try (InputStream in = FixtureJson.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the test classpath; regenerate with "
                        + "/usr/bin/python3 scripts/make_nn_fixtures.py src/test/resources/fixtures/nn");
            }
            return map(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Object parse(String text) {
        FixtureJson p = new FixtureJson(text);
        Object v = p.value();
        p.space();
        if (p.i != text.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    /** A fixture tensor {@code {"shape": [...], "data": [...]}} as a Nabla tensor. */
    static Tensor tensor(Object o, DType dtype, Device device) {
        Map<String, Object> m = map(o);
        List<Object> shape = list(m.get("shape"));
        List<Object> data = list(m.get("data"));
        long[] s = new long[shape.size()];
        for (int k = 0; k < s.length; k++) {
            s[k] = ((Double) shape.get(k)).longValue();
        }
        double[] d = new double[data.size()];
        for (int k = 0; k < d.length; k++) {
            d[k] = (Double) data.get(k);
        }
        return s.length == 0 ? Tensor.scalar(d[0], dtype, device) : Tensor.of(d, dtype, device, s);
    }

    private Object value() {
        space();
        char c = peek();
        if (c == '{') {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            space();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                space();
                String key = string();
                space();
                expect(':');
                m.put(key, value());
                space();
                if (peek() == ',') {
                    i++;
                } else {
                    expect('}');
                    return m;
                }
            }
        }
        if (c == '[') {
            List<Object> l = new ArrayList<>();
            i++;
            space();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                space();
                if (peek() == ',') {
                    i++;
                } else {
                    expect(']');
                    return l;
                }
            }
        }
        if (c == '"') {
            return string();
        }
        int start = i;
        while (i < s.length() && ("+-.eE".indexOf(s.charAt(i)) >= 0 || Character.isLetterOrDigit(s.charAt(i)))) {
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
        while (peek() != '"') {
            char c = s.charAt(i++);
            b.append(c == '\\' ? s.charAt(i++) : c);
        }
        i++;
        return b.toString();
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private char peek() {
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        return s.charAt(i);
    }

    private void space() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("fixture JSON: " + what + " at character " + i);
    }
}
