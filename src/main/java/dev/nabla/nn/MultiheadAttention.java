package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * Multi-head attention with PyTorch's parameter layout ({@code torch.nn.MultiheadAttention}, same embedding size
 * for query, key and value): {@code in_proj_weight [3E, E]} and {@code in_proj_bias [3E]} project q, k and v,
 * {@code out_proj} (a {@link Linear}) the concatenated heads. Inputs are {@code [L, N, E]}, or {@code [N, L, E]}
 * with {@code batchFirst}, or unbatched {@code [L, E]}. The heads run through the fused
 * {@link F#scaledDotProductAttention}; attention weights are computed (separately, by the composite
 * softmax(q kᵀ/√d + mask)) only when asked for, averaged over heads, and before dropout.
 *
 * <p>Masks follow PyTorch's MultiheadAttention (not SDPA's) convention: a bool {@code keyPaddingMask [N, S]} or
 * {@code attnMask [L, S]} / {@code [N*H, L, S]} marks with {@code true} the positions NOT attended; float masks are
 * added to the scores.
 */
public final class MultiheadAttention extends Module {
    private final long embedDim;
    private final long numHeads;
    private final double dropout;
    private final boolean batchFirst;
    private final Generator generator;

    /** The output {@code [L, N, E]} (or batch first) and, when asked for, weights {@code [N, L, S]}, else null. */
    public record Result(Tensor output, Tensor weights) {
    }

    /** A float32 CPU layer without dropout, sequence-first, with biases. */
    public MultiheadAttention(long embedDim, long numHeads) {
        this(embedDim, numHeads, 0, true, false, Generator.global(), DType.FLOAT32, Device.CPU);
    }

    /**
     * A layer with every option: xavier-uniform {@code in_proj_weight}, zero biases, and {@code out_proj.weight}
     * as a {@link Linear}'s, as PyTorch initialises it; {@code generator} also drives the attention dropout.
     */
    public MultiheadAttention(long embedDim, long numHeads, double dropout, boolean bias, boolean batchFirst,
                              Generator generator, DType dtype, Device device) {
        if (embedDim < 1 || numHeads < 1 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention: embedDim must be a positive multiple of numHeads,"
                    + " got embedDim=" + embedDim + ", numHeads=" + numHeads);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("MultiheadAttention: dropout must be in [0, 1), got " + dropout);
        }
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        this.generator = generator;
        registerParameter("in_proj_weight", Init.xavierUniform(Tensor.empty(dtype, device, 3 * embedDim, embedDim),
                generator));
        if (bias) {
            registerParameter("in_proj_bias", Tensor.zeros(dtype, device, 3 * embedDim));
        }
        Linear out = registerModule("out_proj", new Linear(embedDim, embedDim, bias, generator, dtype, device));
        if (bias) {
            Init.zeros(out.namedParameters().get("bias"));
        }
    }

    /** Self-attention of {@code x} without masks: the output only. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, x, x, null, null, false).output();
    }

    /**
     * Attention of {@code query} over {@code key}/{@code value}.
     *
     * @param keyPaddingMask null or {@code [N, S]} (bool: true = ignore that key; float: added)
     * @param attnMask       null, {@code [L, S]} or {@code [N*H, L, S]} (bool: true = not attended; float: added)
     * @param needWeights    also return the head-averaged attention weights
     */
    public Result forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
                          boolean needWeights) {
        return forward(query, key, value, keyPaddingMask, attnMask, needWeights, false);
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, boolean)} with {@code isCausal}: query {@code i}
     * attends to keys {@code 0..i} only, besides the masks. The fused attention applies it without a mask tensor and
     * skips the key blocks above the diagonal, so a causal model should prefer it to an equivalent {@code attnMask}.
     */
    public Result forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
                          boolean needWeights, boolean isCausal) {
        boolean unbatched = query.dim() == 2;
        if (query.dim() != 3 && !unbatched || key.dim() != query.dim() || value.dim() != query.dim()
                || query.size(-1) != embedDim || key.size(-1) != embedDim || value.size(-1) != embedDim) {
            throw new IllegalArgumentException("MultiheadAttention: query, key and value must be [L, N, " + embedDim
                    + "] (" + (batchFirst ? "[N, L, E] with batchFirst" : "sequence first") + ") or unbatched [L, "
                    + embedDim + "], got " + query.describe() + ", " + key.describe() + ", " + value.describe());
        }
        Tensor q = batched(query, unbatched);
        Tensor k = batched(key, unbatched);
        Tensor v = batched(value, unbatched);
        long n = q.size(0);
        long l = q.size(1);
        long s = k.size(1);
        Tensor w = param("in_proj_weight");
        Tensor b = paramOrNull("in_proj_bias");
        q = heads(project(q, w, b, 0), n, l);
        k = heads(project(k, w, b, 1), n, s);
        v = heads(project(v, w, b, 2), n, s);
        Tensor mask = mask(keyPaddingMask == null ? null : unbatched ? keyPaddingMask.unsqueeze(0) : keyPaddingMask,
                attnMask, n, l, s, q.dtype());
        double p = isTraining() ? dropout : 0;
        Tensor heads = F.scaledDotProductAttention(q, k, v, mask, p, isCausal, Double.NaN, generator);
        Tensor out = child("out_proj").forward(heads.transpose(1, 2).reshape(n, l, embedDim));
        Tensor weights = null;
        if (needWeights) {
            Tensor scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(embedDim / numHeads));
            scores = mask == null ? scores : scores.add(mask);
            weights = (isCausal ? scores.add(causalMask(l, s, scores)) : scores).softmax(-1).mean(1, false);
            weights = unbatched ? weights.squeeze(0) : weights;
        }
        out = unbatched ? out.squeeze(0) : batchFirst ? out : out.transpose(0, 1);
        return new Result(out, weights);
    }

    private Tensor batched(Tensor x, boolean unbatched) {
        return unbatched ? x.unsqueeze(0) : batchFirst ? x : x.transpose(0, 1);
    }

    /** The {@code part}-th (q, k, v) projection of {@code x [N, T, E]}. */
    private Tensor project(Tensor x, Tensor w, Tensor b, int part) {
        return F.linear(x, w.narrow(0, part * embedDim, embedDim),
                b == null ? null : b.narrow(0, part * embedDim, embedDim));
    }

    /** {@code [N, T, E]} as {@code [N, H, T, E/H]}. */
    private Tensor heads(Tensor x, long n, long t) {
        return x.reshape(n, t, numHeads, embedDim / numHeads).transpose(1, 2);
    }

    /** Both masks as one additive mask broadcastable to {@code [N, H, L, S]}, or null. */
    private Tensor mask(Tensor keyPadding, Tensor attn, long n, long l, long s, DType dtype) {
        Tensor m = null;
        if (attn != null) {
            if (!(attn.dim() == 2 && attn.size(0) == l && attn.size(1) == s)
                    && !(attn.dim() == 3 && attn.size(0) == n * numHeads && attn.size(1) == l && attn.size(2) == s)) {
                throw new IllegalArgumentException("MultiheadAttention: attnMask must be [" + l + ", " + s + "] or ["
                        + n * numHeads + ", " + l + ", " + s + "], got " + attn.describe());
            }
            m = additive(attn, dtype);
            m = attn.dim() == 3 ? m.reshape(n, numHeads, l, s) : m;
        }
        if (keyPadding != null) {
            if (keyPadding.dim() != 2 || keyPadding.size(0) != n || keyPadding.size(1) != s) {
                throw new IllegalArgumentException("MultiheadAttention: keyPaddingMask must be [" + n + ", " + s
                        + "], got " + keyPadding.describe());
            }
            Tensor k = additive(keyPadding, dtype).reshape(n, 1, 1, s);
            m = m == null ? k : m.add(k);
        }
        return m;
    }

    /** -inf above the diagonal of {@code [L, S]}: what {@code isCausal} hides, for the returned weights. */
    private static Tensor causalMask(long l, long s, Tensor like) {
        boolean[] above = new boolean[Math.toIntExact(l * s)];
        for (int i = 0; i < l; i++) {
            for (int j = i + 1; j < s; j++) {
                above[(int) (i * s + j)] = true;
            }
        }
        return additive(Tensor.of(above, l, s).to(like.device()), like.dtype());
    }

    private static Tensor additive(Tensor mask, DType dtype) {
        return mask.dtype() == DType.BOOL
                ? Tensor.zeros(dtype, mask.device(), mask.shape()).maskedFill(mask, Double.NEGATIVE_INFINITY)
                : mask.to(dtype);
    }

    @Override
    protected String extraRepr() {
        return "embed_dim=" + embedDim + ", num_heads=" + numHeads + ", dropout=" + Repr.num(dropout)
                + ", batch_first=" + Repr.bool(batchFirst);
    }
}
