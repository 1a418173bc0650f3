package dev.nabla;

import com.fasterxml.jackson.databind.JsonNode;

/** Number arrays from the PyTorch fixtures' JSON, where non-finite floats are written "nan", "inf" and "-inf". */
final class JsonArrays {
    private JsonArrays() {
    }

    static long[] longs(JsonNode n) {
        long[] v = new long[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = n.get(i).asLong();
        }
        return v;
    }

    static double[] doubles(JsonNode n) {
        double[] v = new double[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = number(n.get(i));
        }
        return v;
    }

    static double number(JsonNode e) {
        if (!e.isTextual()) {
            return e.asDouble();
        }
        return switch (e.asText()) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException("not a number in the fixture: " + e.asText());
        };
    }
}
