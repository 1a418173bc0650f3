import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Generates the per-dtype kernel sources from one template per kernel family (run by the build at generate-sources,
 * with the JDK's source launcher: {@code java src/build/KernelTemplates.java TEMPLATE_DIR OUTPUT_DIR}).
 *
 * <p>A template is Java with three kinds of markup, in the spirit of the JDK's own {@code Spp} preprocessor that
 * generates {@code java.nio}'s per-type buffers:
 * <ul>
 *   <li>{@code $key$} is replaced by the current type's value of {@code key} (see {@link #TYPES}), in the text and
 *       in the template's file name: {@code VectorReduce$Type$.java.template} gives {@code VectorReduceFloat.java}
 *       and {@code VectorReduceDouble.java}.</li>
 *   <li>A file whose name has no {@code $key$} is generated once; inside it, lines between
 *       {@code //#for[float,double]} and {@code //#end[for]} are repeated once per listed type, with that type's
 *       values. A file with {@code $key$} in its name lists its types in its first line: {@code //#types[float,double]}.</li>
 *   <li>Lines between {@code //#if[float]} and {@code //#end[if]} (with an optional {@code //#else} between) are kept
 *       only for the listed types (a comma-separated list; {@code !float} negates).</li>
 * </ul>
 * Every directive is a whole line (leading spaces allowed). Generated files start with a comment naming their
 * template; an unknown key, type or directive stops the build with the template's name and line.
 */
public final class KernelTemplates {

    /** Per-type values. The dtype work adds bfloat16, float16 and the integer types here. */
    static final Map<String, Map<String, String>> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("float", Map.ofEntries(
                Map.entry("type", "float"), Map.entry("Type", "Float"), Map.entry("TYPE", "FLOAT"),
                Map.entry("Vector", "FloatVector"), Map.entry("Layout", "JAVA_FLOAT_UNALIGNED"),
                Map.entry("OfLayout", "OfFloat"), Map.entry("bytes", "4"), Map.entry("dtype", "FLOAT32"),
                Map.entry("Name", "Float32"), Map.entry("name", "float32"), Map.entry("acc", "double"),
                Map.entry("Acc", "Double"), Map.entry("cast", "(float) ")));
        TYPES.put("double", Map.ofEntries(
                Map.entry("type", "double"), Map.entry("Type", "Double"), Map.entry("TYPE", "DOUBLE"),
                Map.entry("Vector", "DoubleVector"), Map.entry("Layout", "JAVA_DOUBLE_UNALIGNED"),
                Map.entry("OfLayout", "OfDouble"), Map.entry("bytes", "8"), Map.entry("dtype", "FLOAT64"),
                Map.entry("Name", "Float64"), Map.entry("name", "float64"), Map.entry("acc", "double"),
                Map.entry("Acc", "Double"), Map.entry("cast", "")));
    }

    private static final String SUFFIX = ".template";

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java KernelTemplates.java TEMPLATE_DIR OUTPUT_DIR");
            System.exit(2);
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        if (!Files.isDirectory(in)) {
            return; // nothing to generate
        }
        List<Path> templates;
        try (Stream<Path> s = Files.walk(in)) {
            templates = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
        Set<Path> written = new HashSet<>();
        for (Path t : templates) {
            generate(in, t, out, written);
        }
        int files = written.size();
        deleteStale(out, written);
        System.out.println("KernelTemplates: " + files + " sources from " + templates.size() + " templates into " + out);
    }

    /**
     * Deletes the generated sources no template produces any more (a template renamed or removed, or an older
     * checkout's outputs), which would otherwise stay in the build and compile.
     */
    private static void deleteStale(Path outRoot, Set<Path> written) throws IOException {
        if (!Files.isDirectory(outRoot)) {
            return;
        }
        List<Path> stale;
        try (Stream<Path> s = Files.walk(outRoot)) {
            stale = s.filter(Files::isRegularFile).filter(p -> !written.contains(p)).toList();
        }
        for (Path p : stale) {
            Files.delete(p);
            System.out.println("KernelTemplates: deleted " + outRoot.relativize(p) + " (no template makes it)");
        }
    }

    private static void generate(Path root, Path template, Path outRoot, Set<Path> written) throws IOException {
        String rel = root.relativize(template).toString();
        String outRel = rel.substring(0, rel.length() - SUFFIX.length());
        List<String> lines = Files.readAllLines(template, StandardCharsets.UTF_8);
        String name = template.getFileName().toString();
        boolean perType = name.contains("$");
        List<String> types = List.of("");
        if (perType) {
            String first = lines.isEmpty() ? "" : lines.get(0).strip();
            if (!first.startsWith("//#types[")) {
                throw new IllegalArgumentException(rel + ":1: a per-type template starts with //#types[...]");
            }
            types = parseList(rel, 1, first, "//#types[");
            lines = lines.subList(1, lines.size());
        }
        for (String type : types) {
            String file = perType ? substitute(rel, 0, outRel, type) : outRel;
            String text = "// Generated from " + rel.replace('\\', '/') + " by src/build/KernelTemplates.java: edit the template.\n"
                    + expand(rel, lines, perType ? type : null);
            Path target = outRoot.resolve(file);
            written.add(target);
            Files.createDirectories(target.getParent());
            // Rewriting an unchanged file would make every build recompile everything.
            if (!Files.exists(target) || !Files.readString(target, StandardCharsets.UTF_8).equals(text)) {
                Files.writeString(target, text, StandardCharsets.UTF_8);
            }
        }
    }

    /** Expands the directives of {@code lines} for the file-level type {@code type} (null in a single file). */
    private static String expand(String rel, List<String> lines, String type) {
        StringBuilder sb = new StringBuilder();
        Deque<boolean[]> ifs = new ArrayDeque<>(); // [keep this branch, parent kept]
        List<String> loopTypes = null;
        List<String> loopBody = null;
        int loopStart = 0;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            String d = line.strip();
            if (loopBody != null) {
                if (d.equals("//#end[for]")) {
                    for (String lt : loopTypes) {
                        sb.append(expand(rel + " (for at line " + loopStart + ")", loopBody, lt));
                    }
                    loopBody = null;
                } else if (d.startsWith("//#for[")) {
                    throw new IllegalArgumentException(rel + ":" + lineNo + ": //#for blocks do not nest");
                } else {
                    loopBody.add(line);
                }
                continue;
            }
            boolean active = ifs.isEmpty() || ifs.peek()[0];
            if (d.startsWith("//#if[")) {
                boolean cond = matches(rel, lineNo, parseList(rel, lineNo, d, "//#if["), type);
                ifs.push(new boolean[] {active && cond, active});
            } else if (d.equals("//#else")) {
                if (ifs.isEmpty()) {
                    throw new IllegalArgumentException(rel + ":" + lineNo + ": //#else without //#if");
                }
                boolean[] top = ifs.peek();
                top[0] = top[1] && !top[0];
            } else if (d.equals("//#end[if]")) {
                if (ifs.isEmpty()) {
                    throw new IllegalArgumentException(rel + ":" + lineNo + ": //#end[if] without //#if");
                }
                ifs.pop();
            } else if (d.startsWith("//#for[")) {
                if (type != null) {
                    throw new IllegalArgumentException(rel + ":" + lineNo + ": //#for inside a per-type file or loop");
                }
                if (active) {
                    loopTypes = parseList(rel, lineNo, d, "//#for[");
                    loopBody = new ArrayList<>();
                    loopStart = lineNo;
                }
            } else if (d.startsWith("//#")) {
                throw new IllegalArgumentException(rel + ":" + lineNo + ": unknown directive " + d);
            } else if (active) {
                sb.append(type == null ? checkNoKeys(rel, lineNo, line) : substitute(rel, lineNo, line, type)).append('\n');
            }
        }
        if (!ifs.isEmpty()) {
            throw new IllegalArgumentException(rel + ": //#if without //#end[if]");
        }
        if (loopBody != null) {
            throw new IllegalArgumentException(rel + ":" + loopStart + ": //#for without //#end[for]");
        }
        return sb.toString();
    }

    private static boolean matches(String rel, int lineNo, List<String> list, String type) {
        if (type == null) {
            throw new IllegalArgumentException(rel + ":" + lineNo + ": //#if outside a per-type file or //#for block");
        }
        boolean any = false;
        for (String t : list) {
            boolean negate = t.startsWith("!");
            String name = negate ? t.substring(1) : t;
            checkType(rel, lineNo, name);
            any |= negate != name.equals(type);
        }
        return any;
    }

    private static List<String> parseList(String rel, int lineNo, String directive, String prefix) {
        if (!directive.endsWith("]")) {
            throw new IllegalArgumentException(rel + ":" + lineNo + ": " + directive + " lacks its closing ]");
        }
        List<String> list = new ArrayList<>();
        for (String s : directive.substring(prefix.length(), directive.length() - 1).split(",")) {
            String t = s.strip();
            checkType(rel, lineNo, t.startsWith("!") ? t.substring(1) : t);
            list.add(t);
        }
        return list;
    }

    private static void checkType(String rel, int lineNo, String t) {
        if (!TYPES.containsKey(t)) {
            throw new IllegalArgumentException(rel + ":" + lineNo + ": unknown type '" + t + "' (known: " + TYPES.keySet() + ")");
        }
    }

    private static String substitute(String rel, int lineNo, String line, String type) {
        Map<String, String> values = TYPES.get(type);
        StringBuilder sb = new StringBuilder(line.length());
        int i = 0;
        while (i < line.length()) {
            int a = line.indexOf('$', i);
            if (a < 0) {
                sb.append(line, i, line.length());
                break;
            }
            int b = line.indexOf('$', a + 1);
            if (b < 0) {
                throw new IllegalArgumentException(rel + ":" + lineNo + ": unmatched $ in: " + line.strip());
            }
            String key = line.substring(a + 1, b);
            String v = values.get(key);
            if (v == null) {
                throw new IllegalArgumentException(rel + ":" + lineNo + ": unknown key $" + key + "$ (known: "
                        + values.keySet().stream().sorted().toList() + ")");
            }
            sb.append(line, i, a).append(v);
            i = b + 1;
        }
        return sb.toString();
    }

    private static String checkNoKeys(String rel, int lineNo, String line) {
        if (line.indexOf('$') >= 0) {
            throw new IllegalArgumentException(rel + ":" + lineNo + ": $key$ outside a per-type file or //#for block");
        }
        return line;
    }

    static {
        // Fail on a programming slip here rather than on a confusing template error.
        for (var e : TYPES.entrySet()) {
            if (!e.getValue().keySet().equals(TYPES.get("float").keySet())) {
                throw new IllegalStateException("type " + e.getKey() + " lacks keys of float");
            }
        }
    }
}
