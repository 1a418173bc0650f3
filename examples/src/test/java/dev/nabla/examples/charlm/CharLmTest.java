package dev.nabla.examples.charlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.io.SafeTensors;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharLmTest {
    /**
     * A tiny run on the first ~60k characters of the corpus (skipped without Debian's fortunes): a 1-layer width-32
     * model, context 32, 60 steps. The validation loss falls well below its start (ln 90 ~ 4.5 for uniform guessing)
     * and the training loss falls too; the sample uses only the vocabulary's characters; the checkpoint holds the
     * weights and the vocabulary.
     */
    @Test
    void tinyRunLearnsAndSamplesFromTheVocabulary(@TempDir Path dir) throws Exception {
        assumeTrue(!FortuneCorpus.fortuneFiles(FortuneCorpus.DEBIAN_DIR).isEmpty(),
                "no fortunes in " + FortuneCorpus.DEBIAN_DIR + " (apt-get install fortunes)");
        Path checkpoint = dir.resolve("lm.safetensors");
        var o = new CharLm.Options(FortuneCorpus.DEBIAN_DIR, 60_000, new CharTransformer.Size(1, 32, 32, 1, 4, 0), 60,
                16, 1e-2, 5, 0.01, 1.0, 20, 4, 80, 0.8, 5, 0, Device.CPU, checkpoint);
        CharLm.Result r = CharLm.run(o, null);
        List<CharLm.Report> reports = r.reports();
        assertEquals(3, reports.size());
        assertTrue(r.finalLoss() < r.initialLoss() - 1.0, "validation loss " + r.initialLoss() + " -> " + r.finalLoss());
        assertTrue(reports.getLast().trainLoss() < reports.getFirst().trainLoss(), reports.toString());
        assertTrue(reports.getLast().tokensPerSecond() > 0, reports.toString());
        assertEquals(80, r.sample().length());
        String vocabulary = r.vocabulary().toString();
        for (char c : r.sample().toCharArray()) {
            assertTrue(vocabulary.indexOf(c) >= 0, "sampled '" + c + "' is not in the vocabulary");
        }
        var saved = SafeTensors.load(checkpoint);
        assertEquals(vocabulary, saved.metadata().get("vocabulary"));
        assertTrue(saved.tensors().containsKey("encoder.layers.0.self_attn.in_proj_weight"), saved.tensors().keySet()
                .toString());
    }

    /** Fortunes split at the '%' lines, each kept with one final newline; every tenth goes to validation. */
    @Test
    void fortunesAreSplitAtPercentLines() {
        assertEquals(List.of("One.\n", "Two\n  lines.\n"), FortuneCorpus.fortunes("One.\n%\nTwo\n  lines.\n%\n%\n"));
    }

    /** Top-1 sampling is the argmax; the draws of top-2 never leave the two likeliest. */
    @Test
    void topKLimitsTheDraw() {
        Generator g = new Generator(3);
        double[] logits = {0.1, 3.0, 2.9, -1.0};
        for (int i = 0; i < 200; i++) {
            assertEquals(1, CharSampler.draw(logits, 1.0, 1, g));
            int c = CharSampler.draw(logits, 1.0, 2, g);
            assertTrue(c == 1 || c == 2, "drew " + c);
        }
    }

    /** Characters outside the training text map to the unknown token, and decoding round-trips the rest. */
    @Test
    void vocabularyEncodesAndKeepsUnknownAtZero() {
        CharVocabulary v = CharVocabulary.of("hello");
        assertEquals(5, v.size()); // \0 e h l o
        assertEquals(0, v.index('z'));
        int[] ids = v.encode("hole");
        StringBuilder back = new StringBuilder();
        for (int id : ids) {
            back.append(v.charAt(id));
        }
        assertEquals("hole", back.toString());
        assertEquals(v.toString(), CharVocabulary.fromString(v.toString()).toString());
    }
}
