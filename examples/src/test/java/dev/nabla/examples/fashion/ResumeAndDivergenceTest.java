package dev.nabla.examples.fashion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Scope;
import dev.nabla.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FashionMnistTrain's resume semantics and its stop on a non-finite loss, on 256 images (a few seconds a run). */
class ResumeAndDivergenceTest {
    private static final double BASE_LR = 1e-3;

    /** The learning rate the checkpoint's optimizer holds (what the next epoch would use). */
    private static double savedLr(Path checkpoint) throws IOException {
        try (Scope s = Scope.open()) {
            return SafeTensors.load(checkpoint).tensors().get("optimizer.param_groups.0.lr").item();
        }
    }

    /** PyTorch's closed form of CosineAnnealingLR with eta_min 0. */
    private static double cosine(int epoch, int total) {
        return BASE_LR * (1 + Math.cos(Math.PI * epoch / total)) / 2;
    }

    @Test
    void resumeWithMoreEpochsExtendsTheRunAndItsSchedule(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("checkpoint.safetensors");
        assertEquals(0, FashionRuns.train(dir, "--epochs", "1").status());
        assertEquals(0.0, savedLr(ckpt), 1e-12, "a finished 1-epoch cosine ends at lr 0");

        // 1 -> 4 epochs, stopping after epoch 2: the lr must be the 4-epoch cosine's at epoch 2, not stuck at 0
        FashionRuns.Run r = FashionRuns.train(dir, "--resume", ckpt.toString(), "--epochs", "4", "--stop-after", "1");
        assertEquals(0, r.status(), r.toString());
        assertEquals(List.of("epoch 2/4"), r.epochLines().stream().map(l -> l.substring(0, 9)).toList(), r.out());
        assertEquals(cosine(2, 4), savedLr(ckpt), 1e-12);

        // and onwards to the end of the 4 epochs without --epochs: the checkpoint's total is now 4
        r = FashionRuns.train(dir, "--resume", ckpt.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals(2, r.epochLines().size(), r.out());
        assertTrue(r.epochLines().get(1).startsWith("epoch 4/4"), r.out());
        assertEquals(cosine(4, 4), savedLr(ckpt), 1e-12);
        assertEquals(5, Files.readAllLines(dir.resolve("history.csv")).size(), "header and 4 epochs");
    }

    @Test
    void resumingAFinishedRunSaysSoAndLeavesTheOutputs(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("checkpoint.safetensors");
        assertEquals(0, FashionRuns.train(dir, "--epochs", "1").status());
        List<Path> outputs = List.of(ckpt, dir.resolve("history.csv"), dir.resolve("history.png"));
        byte[][] before = new byte[3][];
        FileTime[] times = new FileTime[3];
        for (int i = 0; i < 3; i++) {
            before[i] = Files.readAllBytes(outputs.get(i));
            times[i] = Files.getLastModifiedTime(outputs.get(i));
        }
        for (String[] args : List.of(new String[] {}, new String[] {"--epochs", "1"})) {
            List<String> all = new java.util.ArrayList<>(List.of("--resume", ckpt.toString()));
            all.addAll(List.of(args));
            FashionRuns.Run r = FashionRuns.train(dir, all.toArray(String[]::new));
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.out().contains("the run has finished (1 of 1 epochs)") && r.out().contains("--epochs N"),
                    r.out());
            assertFalse(r.out().contains("NaN") || r.out().contains("final test accuracy"), r.out());
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(before[i], Files.readAllBytes(outputs.get(i)), outputs.get(i) + " changed");
            assertEquals(times[i], Files.getLastModifiedTime(outputs.get(i)), outputs.get(i) + " rewritten");
        }
        // fewer epochs than done is a usage error
        FashionRuns.Run fewer = FashionRuns.train(dir, "--resume", ckpt.toString(), "--epochs", "1", "--model", "cnn");
        assertEquals(2, fewer.status(), fewer.toString());
        assertTrue(fewer.err().contains("holds a mlp model"), fewer.err());
    }

    @Test
    void aNonFiniteLossStopsTrainingWithoutSavingOverTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("checkpoint.safetensors");
        assertEquals(0, FashionRuns.train(dir, "--epochs", "1").status());
        byte[] good = Files.readAllBytes(ckpt);

        FashionRuns.Run r = FashionRuns.train(dir, "--epochs", "2", "--lr", "1e10");
        assertEquals(1, r.status(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().matches("(?s)fashion-mnist: training stopped: the (training|test) loss became (NaN|-?Infinity)"
                + " .*the learning rate \\(1\\.0E10\\) is probably too high\\. No checkpoint was written\\.\\s*"),
                r.err());
        assertArrayEquals(good, Files.readAllBytes(ckpt), "the diverged run wrote over the checkpoint");
        assertFalse(r.out().contains("final test accuracy"), r.out());
    }
}
