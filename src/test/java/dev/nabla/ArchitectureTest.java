package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the package layering of DESIGN.md true: each layer depends only on the layers below it, and the only package
 * cycle is the tensor facade with its op units and internal accessor. Dependencies are read from the main sources
 * (hand-written, generated kernels and bindings): imports and fully qualified names in code, comments and strings
 * left out.
 */
class ArchitectureTest {
    /**
     * Layer of each package, bottom up; a package may use packages of its own layer or below, never above. Listed
     * prefixes match the package and its sub-packages unless a longer prefix is listed.
     */
    private static final Map<String, Integer> LAYERS = Map.ofEntries(
            Map.entry("dev.nabla.bindings", 0),
            Map.entry("dev.nabla.base", 0),
            Map.entry("dev.nabla.memory", 1),
            Map.entry("dev.nabla.nativelib", 1),
            Map.entry("dev.nabla.backend", 2),
            Map.entry("dev.nabla.backend.java", 3),
            Map.entry("dev.nabla.backend.cpu", 3),
            Map.entry("dev.nabla.backend.cuda", 3),
            Map.entry("dev.nabla.backend.registry", 4),
            Map.entry("dev.nabla", 5),
            Map.entry("dev.nabla.internal", 5),
            Map.entry("dev.nabla.nn", 6),
            Map.entry("dev.nabla.optim", 6),
            Map.entry("dev.nabla.data", 6),
            Map.entry("dev.nabla.io", 6),
            Map.entry("dev.nabla.distributed", 6),
            Map.entry("dev.nabla.quantization", 7));

    /** The one cycle allowed: the Tensor facade and the accessor its other packages reach internals through. */
    private static final Set<String> ALLOWED_CYCLE = Set.of("dev.nabla", "dev.nabla.internal");

    private static final Path ROOT = Path.of(System.getProperty("nabla.root", "."));
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    // An import (static or not) or a qualified name in code: dev.nabla.<lowercase segments>.<Uppercase type>.
    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.nabla(?:\\.[a-z_][a-z0-9_]*)*)\\.[A-Z]");
    private static final Pattern WILDCARD = Pattern.compile("import\\s+(dev\\.nabla(?:\\.[a-z_][a-z0-9_]*)*)\\.\\*");

    private static Map<String, Set<String>> graph;

    @BeforeAll
    static void readSources() {
        graph = new TreeMap<>();
        List<Path> roots = List.of(ROOT.resolve("src/main/java"), ROOT.resolve("bindings/src/main/java"),
                ROOT.resolve(System.getProperty("nabla.generated", "target/generated-sources/kernels")));
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(p -> p.toString().endsWith(".java")).forEach(ArchitectureTest::read);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void read(Path file) {
        String code;
        try {
            code = stripCommentsAndStrings(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher pm = PACKAGE.matcher(code);
        if (!pm.find()) {
            return; // module-info.java
        }
        String pkg = pm.group(1);
        Set<String> deps = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
        for (Pattern p : List.of(REFERENCE, WILDCARD)) {
            Matcher m = p.matcher(code);
            while (m.find()) {
                if (!m.group(1).equals(pkg)) {
                    deps.add(m.group(1));
                }
            }
        }
    }

    @Test
    void sourcesWereFound() {
        assertTrue(graph.containsKey("dev.nabla") && graph.containsKey("dev.nabla.backend")
                && graph.containsKey("dev.nabla.bindings.openblas"), "packages read: " + graph.keySet());
    }

    @Test
    void everyPackageHasALayer() {
        List<String> unknown = graph.keySet().stream().filter(p -> layerOf(p) < 0).toList();
        assertEquals(List.of(), unknown, "packages without a layer in ArchitectureTest.LAYERS (add them there)");
    }

    @Test
    void noPackageUsesALayerAboveIt() {
        List<String> violations = new ArrayList<>();
        graph.forEach((pkg, deps) -> {
            for (String d : deps) {
                if (graph.containsKey(d) && layerOf(d) > layerOf(pkg)) {
                    violations.add(pkg + " (layer " + layerOf(pkg) + ") uses " + d + " (layer " + layerOf(d) + ")");
                }
            }
        });
        assertEquals(List.of(), violations, "imports from a lower layer into a higher one");
    }

    @Test
    void theOnlyCycleIsTheTensorFacadeWithItsInternals() {
        List<Set<String>> cycles = new ArrayList<>();
        for (Set<String> component : stronglyConnectedComponents()) {
            if (component.size() > 1 && !ALLOWED_CYCLE.containsAll(component)) {
                cycles.add(component);
            }
        }
        assertEquals(List.of(), cycles, "package cycles other than " + ALLOWED_CYCLE);
    }

    @Test
    void theCheckFindsACycleAndAnUpwardImport() {
        // The checks themselves, on a made-up graph: a backend that imports the tensor layer is caught twice.
        Map<String, Set<String>> saved = graph;
        try {
            graph = new TreeMap<>(Map.of("dev.nabla", Set.of("dev.nabla.backend"),
                    "dev.nabla.backend", Set.of("dev.nabla")));
            assertEquals(1, stronglyConnectedComponents().stream().filter(c -> c.size() > 1).count());
            assertTrue(layerOf("dev.nabla.backend") < layerOf("dev.nabla"));
            assertEquals(3, layerOf("dev.nabla.backend.java.vector"));
        } finally {
            graph = saved;
        }
    }

    private static int layerOf(String pkg) {
        String best = null;
        for (String prefix : LAYERS.keySet()) {
            if ((pkg.equals(prefix) || pkg.startsWith(prefix + ".")) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? -1 : LAYERS.get(best);
    }

    /** Tarjan's algorithm over the package graph. */
    private static List<Set<String>> stronglyConnectedComponents() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                strongConnect(v, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Integer> index, Map<String, Integer> low,
                                      Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!graph.containsKey(w)) {
                continue;
            }
            if (!index.containsKey(w)) {
                strongConnect(w, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }

    /** Blanks comments, string and char literals (keeping line structure), so that only code is scanned. */
    static String stripCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
