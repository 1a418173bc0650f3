package dev.nabla.io;

import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Module;
import dev.nabla.optim.LRScheduler;
import dev.nabla.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Training checkpoints in the safetensors format: the model's state dict (tensors {@code model.<name>}), the
 * optimizer's ({@code optimizer.<key>}), and in the metadata the LR schedule's counters ({@code scheduler.<key>}),
 * the generator's state and caller-supplied entries ({@code extra.<key>}). Resuming from one continues training
 * exactly. {@link #saveModel}/{@link #loadModel} write and read a plain state dict with PyTorch's names, which
 * {@code safetensors.torch.load_file} reads directly (and the reverse).
 *
 * <p>Loading is all or nothing: the file is fully validated, each part (schedule, generator, model, optimizer) is
 * checked before it changes, and if a later part does not fit, the parts already loaded are restored, so a failed
 * load leaves the model, schedule, generator and optimizer as they were.
 */
public final class Checkpoint {
    private static final String FORMAT = "nabla-checkpoint-1";

    private Checkpoint() {
    }

    /**
     * Writes a full training checkpoint atomically; any of optimizer, scheduler, generator, extra may be null. A
     * failed save (any exception or error) leaves an existing {@code file} as it was and no temporary file behind;
     * see {@link SafeTensors#save} for the temporary files a killed process leaves and how the next save removes
     * them.
     */
    public static void save(Path file, Module model, Optimizer optimizer, LRScheduler scheduler, Generator generator,
                            Map<String, String> extra) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put("model." + k, v));
        if (optimizer != null) {
            optimizer.stateDict().forEach((k, v) -> tensors.put("optimizer." + k, v));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        if (scheduler != null) {
            scheduler.stateDict().forEach((k, v) -> meta.put("scheduler." + k, Double.toString(v)));
        }
        if (generator != null) {
            long[] st = generator.state();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < st.length; i++) {
                sb.append(i == 0 ? "" : ",").append(st[i]);
            }
            meta.put("generator.state", sb.toString());
        }
        if (extra != null) {
            extra.forEach((k, v) -> meta.put("extra." + k, v));
        }
        SafeTensors.save(file, tensors, meta);
    }

    /**
     * Restores a checkpoint written by {@link #save}; parts whose target is null are skipped. Returns the
     * {@code extra} entries.
     *
     * <p>Values are validated, not only shapes: the schedule's counters and learning rates (integers and finite
     * numbers where it needs them), the optimizer's step counts (non-negative integers) and group options, and the
     * generator state; an invalid one fails the load with a message naming the file, the key and the value, and
     * leaves everything unchanged.
     *
     * @throws IOException for an unreadable or corrupt file, an invalid value, or one that does not fit the
     *     model/optimizer/schedule
     */
    public static Map<String, String> load(Path file, Module model, Optimizer optimizer, LRScheduler scheduler,
                                           Generator generator) throws IOException {
        try (Scope scope = Scope.open()) {
            SafeTensors.Contents c = SafeTensors.load(file);
            if (!FORMAT.equals(c.metadata().get("format"))) {
                throw new IOException("checkpoint " + file + " is not a Nabla training checkpoint (format '"
                        + c.metadata().get("format") + "'); use loadModel for a plain state dict");
            }
            Map<String, Tensor> modelPart = new LinkedHashMap<>();
            Map<String, Tensor> optPart = new LinkedHashMap<>();
            c.tensors().forEach((k, v) -> {
                if (k.startsWith("model.")) {
                    modelPart.put(k.substring(6), v);
                } else if (k.startsWith("optimizer.")) {
                    optPart.put(k.substring(10), v);
                }
            });
            Map<String, Double> schedPart = new LinkedHashMap<>();
            Map<String, String> extra = new LinkedHashMap<>();
            long[] genState = null;
            for (var e : c.metadata().entrySet()) {
                try {
                    if (e.getKey().startsWith("scheduler.")) {
                        schedPart.put(e.getKey().substring(10), Double.parseDouble(e.getValue()));
                    } else if (e.getKey().startsWith("extra.")) {
                        extra.put(e.getKey().substring(6), e.getValue());
                    } else if (e.getKey().equals("generator.state")) {
                        String[] parts = e.getValue().split(",");
                        genState = new long[parts.length];
                        for (int i = 0; i < parts.length; i++) {
                            genState[i] = Long.parseLong(parts[i]);
                        }
                    }
                } catch (NumberFormatException ex) {
                    throw new IOException("checkpoint " + file + " has a malformed metadata entry '" + e.getKey()
                            + "': '" + SafeTensors.clip(e.getValue()) + "'", ex);
                }
            }
            if (generator != null && genState == null) {
                throw new IOException("checkpoint " + file + " holds no generator state");
            }
            if (generator != null) {
                checkGeneratorState(file, c.metadata().get("generator.state"), genState);
            }
            // Each part's load checks everything before it changes anything; the optimizer goes last, so when
            // any part fails, restoring the earlier ones from their snapshots undoes the whole load.
            Map<String, Tensor> modelBefore = snapshot(model);
            Map<String, Double> schedBefore = scheduler != null ? scheduler.stateDict() : null;
            long[] genBefore = generator != null ? generator.state() : null;
            try {
                if (scheduler != null) {
                    scheduler.loadStateDict(schedPart);
                }
                if (generator != null) {
                    generator.setState(genState);
                }
                model.loadStateDict(modelPart, true);
                if (optimizer != null) {
                    optimizer.loadStateDict(optPart);
                }
            } catch (RuntimeException e) {
                model.loadStateDict(modelBefore, true);
                if (scheduler != null) {
                    scheduler.loadStateDict(schedBefore);
                }
                if (generator != null) {
                    generator.setState(genBefore);
                }
                if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                    throw new IOException("checkpoint " + file + " does not fit: " + e.getMessage(), e);
                }
                throw e;
            }
            return extra;
        }
    }

    /**
     * What {@link Generator#state()} returns: the four xoshiro256 words (not all zero, or the stream is stuck at
     * zero), the seed, a 0/1 flag for a cached normal and, when set, that normal's bits (a finite double).
     */
    private static void checkGeneratorState(Path file, String text, long[] st) throws IOException {
        String problem = null;
        if (st.length != 7) {
            problem = "has " + st.length + " words, not 7";
        } else if ((st[0] | st[1] | st[2] | st[3]) == 0) {
            problem = "has an all-zero xoshiro state";
        } else if (st[5] != 0 && st[5] != 1) {
            problem = "has a cached-normal flag " + st[5] + " (0 or 1)";
        } else if (st[5] == 1 && !Double.isFinite(Double.longBitsToDouble(st[6]))) {
            problem = "caches a non-finite normal " + Double.longBitsToDouble(st[6]);
        }
        if (problem != null) {
            throw new IOException("checkpoint " + file + " has an invalid 'generator.state' (" + problem + "): '"
                    + SafeTensors.clip(text) + "'");
        }
    }

    /** The {@code extra} entries of a checkpoint written by {@link #save}, without loading it into anything. */
    public static Map<String, String> readExtra(Path file) throws IOException {
        try (Scope scope = Scope.open()) {
            Map<String, String> extra = new LinkedHashMap<>();
            SafeTensors.load(file).metadata().forEach((k, v) -> {
                if (k.startsWith("extra.")) {
                    extra.put(k.substring(6), v);
                }
            });
            return extra;
        }
    }

    private static Map<String, Tensor> snapshot(Module model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (Grad off = Grad.disabled()) {
            model.stateDict().forEach((k, v) -> out.put(k, v.clone()));
        }
        return out;
    }

    /** Writes the model's state dict with PyTorch's names (loadable by {@code safetensors.torch.load_file}). */
    public static void saveModel(Path file, Module model) throws IOException {
        SafeTensors.save(file, model.stateDict(), Map.of("format", "pt"));
    }

    /** Loads a plain state dict (e.g. written by PyTorch's {@code save_file}) into {@code model}, strictly. */
    public static void loadModel(Path file, Module model) throws IOException {
        try (Scope scope = Scope.open()) {
            SafeTensors.Contents c = SafeTensors.load(file);
            try {
                model.loadStateDict(c.tensors(), true);
            } catch (IllegalArgumentException e) {
                throw new IOException("state dict " + file + " does not fit the model: " + e.getMessage(), e);
            }
        }
    }
}
