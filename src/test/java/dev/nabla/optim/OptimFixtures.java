package dev.nabla.optim;

import dev.nabla.fixtures.Json;
import java.util.List;
import java.util.Map;

/**
 * Reads the fixtures {@code scripts/make_optim_fixtures.py} writes under {@code fixtures/optim/} (parsed by
 * {@link Json}, which reads Python's {@code repr()} of a float back exactly, including {@code Infinity} and
 * {@code NaN}) and a few typed accessors.
 */
final class OptimFixtures {
    private OptimFixtures() {
    }

    /** The parsed fixture file {@code fixtures/optim/<name>}. */
    static Map<String, Object> load(String name) {
        String path = "/fixtures/optim/" + name;
        return Json.map(Json.resource(path, "missing fixture " + path + " (run: /usr/bin/python3 "
                + "scripts/make_optim_fixtures.py src/test/resources/fixtures/optim)"));
    }

    // ---------------------------------------------------------------- typed access

    static double[] doubles(Object o) {
        List<Object> l = Json.list(o);
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
            Map<String, Object> m = Json.map(o);
            int[] sh = ints(m.get("shape"));
            long[] shape = new long[sh.length];
            for (int k = 0; k < sh.length; k++) {
                shape[k] = sh[k];
            }
            return new Data(shape, doubles(m.get("data")));
        }
    }
}
