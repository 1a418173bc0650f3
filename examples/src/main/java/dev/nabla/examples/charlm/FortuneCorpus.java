package dev.nabla.examples.charlm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The text of Debian's {@code fortunes} package ({@code /usr/share/games/fortunes}): every plain fortune file, in
 * file-name order; the {@code .dat} indexes ({@code strfile} output) and the {@code .u8} links (to the same files)
 * are skipped. A file holds fortunes separated by lines of a single {@code %}; each fortune is kept with its own line
 * breaks, and the separator is dropped, so in the text every fortune ends with one newline and the next starts
 * right after it (the model learns where a fortune ends from its shape, not from a marker).
 *
 * <p>Fortunes, not characters, are split between training and validation: every tenth fortune (index 9, 19, ...)
 * goes to validation, the rest to training. That is deterministic, gives a 90/10 split, and draws both halves
 * from every file, where a split of the concatenated text would validate on the last files' topics only.
 *
 * @param train      the training fortunes, concatenated
 * @param validation the validation fortunes, concatenated
 * @param fortunes   how many fortunes were read
 */
public record FortuneCorpus(String train, String validation, int fortunes) {
    /** Where Debian installs the package's files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/games/fortunes");

    /** Every tenth fortune is held out. */
    private static final int VALIDATION_EVERY = 10;

    /**
     * Reads the fortune files of {@code dir}; with {@code maxChars > 0} stops after the fortune that reaches that many
     * characters (a slice for tests and quick runs).
     *
     * @throws IOException              a file cannot be read
     * @throws IllegalArgumentException {@code dir} holds no fortune file
     */
    public static FortuneCorpus read(Path dir, long maxChars) throws IOException {
        List<Path> files = fortuneFiles(dir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no fortune files in " + dir + " (plain files beside their .dat "
                    + "index); on Debian/Ubuntu: apt-get install fortunes");
        }
        StringBuilder train = new StringBuilder();
        StringBuilder validation = new StringBuilder();
        int count = 0;
        for (Path f : files) {
            for (String fortune : fortunes(decode(f))) {
                (count % VALIDATION_EVERY == VALIDATION_EVERY - 1 ? validation : train).append(fortune);
                count++;
                if (maxChars > 0 && train.length() + validation.length() >= maxChars) {
                    return new FortuneCorpus(train.toString(), validation.toString(), count);
                }
            }
        }
        return new FortuneCorpus(train.toString(), validation.toString(), count);
    }

    /** The plain files that have a {@code .dat} index beside them (what {@code fortune} itself reads), sorted. */
    static List<Path> fortuneFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && !Files.isSymbolicLink(p))
                    .filter(p -> Files.exists(p.resolveSibling(p.getFileName() + ".dat")))
                    .sorted()
                    .toList();
        }
    }

    /** The fortunes of one file's text, each ending with exactly one newline; empty ones dropped. */
    static List<String> fortunes(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.equals("%")) {
                add(out, current);
            } else {
                current.append(line).append('\n');
            }
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder fortune) {
        String s = fortune.toString().strip();
        if (!s.isEmpty()) {
            out.add(s + "\n");
        }
        fortune.setLength(0);
    }

    /** UTF-8 (Debian's files are), with a stray invalid byte replaced rather than failing the whole corpus. */
    private static String decode(Path f) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return utf8.decode(ByteBuffer.wrap(Files.readAllBytes(f))).toString().replace("\r\n", "\n");
    }
}
