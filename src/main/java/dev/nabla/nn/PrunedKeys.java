package dev.nabla.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Explains a strict {@link Module#loadStateDict} failure caused by pruning: a pruned parameter {@code w} is stored as
 * {@code w_orig} and {@code w_mask} (PyTorch's keys), so a pruned and an unpruned model do not share key sets.
 */
final class PrunedKeys {
    private static final String ORIG = "_orig";

    private PrunedKeys() {
    }

    /** A sentence saying how to make the two key sets agree, or "" when pruning is not what separates them. */
    static String hint(Set<String> model, Set<String> checkpoint) {
        List<String> prunedInCheckpoint = prunedOnlyIn(checkpoint, model);
        List<String> prunedInModel = prunedOnlyIn(model, checkpoint);
        List<String> hints = new ArrayList<>();
        if (!prunedInCheckpoint.isEmpty()) {
            hints.add("the checkpoint holds pruned parameters " + prunedInCheckpoint + " (keys *_orig and *_mask): "
                    + "prune the same parameters of the model first (Prune.identity(module, name) adds a mask "
                    + "without pruning anything), then load");
        }
        if (!prunedInModel.isEmpty()) {
            hints.add("the model's parameters " + prunedInModel + " are pruned but the checkpoint's are not: load "
                    + "before pruning, or make the pruning permanent with Prune.remove(module, name) first");
        }
        return String.join("; ", hints);
    }

    /** Dotted names {@code w} stored as {@code w_orig} in {@code pruned} but as plain {@code w} in {@code plain}. */
    private static List<String> prunedOnlyIn(Set<String> pruned, Set<String> plain) {
        List<String> out = new ArrayList<>();
        for (String k : pruned) {
            if (k.endsWith(ORIG)) {
                String base = k.substring(0, k.length() - ORIG.length());
                if (plain.contains(base) && !plain.contains(k)) {
                    out.add(base);
                }
            }
        }
        return out;
    }
}
