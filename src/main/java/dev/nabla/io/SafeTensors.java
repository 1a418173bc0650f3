package dev.nabla.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, so files
 * interchange with PyTorch's {@code safetensors.torch.save_file}/{@code load_file}: an 8-byte little-endian header
 * length, a JSON header ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 * "__metadata__": {..}}}), then the tensors' bytes, row-major little-endian.
 *
 * <p>Writes are atomic (a temp file in the same directory, forced to disk, then renamed), so a crash never leaves a
 * half-written checkpoint under the real name. Reads validate everything (header size, JSON, dtypes, shapes,
 * offsets within the file, no overlaps, no trailing garbage) and reject a truncated or corrupt file with an
 * {@link IOException} naming the file and the problem. Nabla writes F32 and F64; it also reads F16, BF16 (as
 * float32) and I32, I64 (as float64), so PyTorch state dicts with half-precision weights or integer buffers load.
 */
public final class SafeTensors {
    /** Rejects trailing tokens after the header object (the format allows only space padding there). */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {
    }

    /**
     * The element types read, with their size in bytes and the Nabla dtype they become: F32 and F64 as they are;
     * F16 and BF16 widened to float32 (exact); I32 and I64 (PyTorch's integer buffers, e.g. BatchNorm's
     * {@code num_batches_tracked}) converted to float64, exact up to 2^53 in magnitude.
     */
    private enum Stored {
        F32(4, DType.FLOAT32), F64(8, DType.FLOAT64), F16(2, DType.FLOAT32), BF16(2, DType.FLOAT32),
        I32(4, DType.FLOAT64), I64(8, DType.FLOAT64);

        final int size;
        final DType as;

        Stored(int size, DType as) {
            this.size = size;
            this.as = as;
        }

        static Stored of(String code) {
            for (Stored s : values()) {
                if (s.name().equals(code)) {
                    return s;
                }
            }
            return null;
        }
    }

    /** What a file holds: tensors (on the CPU, in file order) and string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    private static String code(DType t) {
        return t == DType.FLOAT32 ? "F32" : "F64";
    }

    /** Writes {@code tensors} and {@code metadata} to {@code file} atomically. */
    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        List<Tensor> order = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("safetensors: '__metadata__' is not a valid tensor name");
            }
            Tensor t = e.getValue();
            long bytes = t.numel() * t.dtype().byteSize();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", code(t.dtype()));
            var shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            order.add(t);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // The format pads the header with spaces to a multiple of 8 bytes.
        int padded = (json.length + 7) / 8 * 8;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(json);
                while (head.hasRemaining()) {
                    head.put((byte) ' ');
                }
                head.flip();
                writeFully(ch, head);
                for (Tensor t : order) {
                    writeFully(ch, bytesOf(t));
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static ByteBuffer bytesOf(Tensor t) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.numel() * t.dtype().byteSize()))
                .order(ByteOrder.LITTLE_ENDIAN);
        if (t.dtype() == DType.FLOAT32) {
            b.asFloatBuffer().put(t.toFloatArray());
        } else {
            b.asDoubleBuffer().put(t.toDoubleArray());
        }
        return b;
    }

    /**
     * Reads every tensor and the metadata of {@code file}; tensors are created on the CPU (F16/BF16 as float32,
     * I32/I64 as float64).
     */
    public static Contents load(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw corrupt(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw corrupt(file, "header length " + headerLen + " is invalid for a file of " + size + " bytes");
            }
            ByteBuffer headBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headBuf, 8, file);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headBuf.array(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw corrupt(file, "header is not valid JSON: " + e.getOriginalMessage());
            }
            if (header == null || !header.isObject()) {
                throw corrupt(file, "header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, long[]> entries = new LinkedHashMap<>();
            Map<String, Stored> types = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode n = e.getValue();
                String name = e.getKey();
                Stored t = Stored.of(n.path("dtype").asText());
                if (t == null) {
                    throw corrupt(file, "tensor '" + name + "' has unsupported dtype '" + n.path("dtype").asText()
                            + "' (Nabla reads F32, F64, F16, BF16, I32 and I64)");
                }
                JsonNode shapeNode = n.path("shape");
                JsonNode offs = n.path("data_offsets");
                if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
                    throw corrupt(file, "tensor '" + name + "' lacks a shape array or a [begin, end] data_offsets");
                }
                long[] shape = new long[shapeNode.size()];
                long numel = 1;
                long extent = 1; // product of max(size, 1): Nabla's rule for an addressable shape
                long nbytes;
                try {
                    for (int i = 0; i < shape.length; i++) {
                        JsonNode d = shapeNode.get(i);
                        shape[i] = d.canConvertToExactIntegral() && d.canConvertToLong() ? d.asLong(-1) : -1;
                        if (shape[i] < 0) {
                            throw corrupt(file, "tensor '" + name + "' has a negative or non-integer size");
                        }
                        numel = Math.multiplyExact(numel, shape[i]);
                        extent = Math.multiplyExact(extent, Math.max(shape[i], 1));
                    }
                    nbytes = Math.multiplyExact(numel, (long) t.size);
                } catch (ArithmeticException overflow) {
                    throw corrupt(file, "tensor '" + name + "' has an impossibly large shape "
                            + shapeNode);
                }
                // exact integers only: asLong would truncate 1.5 and wrap integers beyond 2^63 - 1
                long begin = exactLong(offs.get(0));
                long end = exactLong(offs.get(1));
                if (begin < 0 || end < begin || end > dataLen) {
                    throw corrupt(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end
                            + "] outside the " + dataLen + " data bytes (truncated file?)");
                }
                if (end - begin != nbytes) {
                    throw corrupt(file, "tensor '" + name + "' of shape " + java.util.Arrays.toString(shape) + " "
                            + t.name() + " needs " + nbytes + " bytes, its offsets span " + (end - begin));
                }
                entries.put(name, new long[] {begin, end});
                types.put(name, t);
                shapes.put(name, shape);
            }
            checkCoverage(file, entries, dataLen);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (var e : entries.entrySet()) {
                long[] range = e.getValue();
                if (range[1] - range[0] > Integer.MAX_VALUE - 8) {
                    throw new IOException("safetensors file " + file + ": tensor '" + e.getKey() + "' has "
                            + (range[1] - range[0]) + " bytes; Nabla reads tensors of at most 2 GiB");
                }
                ByteBuffer data = ByteBuffer.allocate((int) (range[1] - range[0]))
                        .order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + range[0], file);
                data.flip();
                Stored t = types.get(e.getKey());
                long[] shape = shapes.get(e.getKey());
                int count = data.remaining() / t.size;
                Tensor tensor;
                if (t.as == DType.FLOAT32) {
                    float[] f = new float[count];
                    switch (t) {
                        case F32 -> data.asFloatBuffer().get(f);
                        case F16 -> {
                            for (int i = 0; i < count; i++) {
                                f[i] = Float.float16ToFloat(data.getShort());
                            }
                        }
                        default -> { // BF16: the upper half of a float32
                            for (int i = 0; i < count; i++) {
                                f[i] = Float.intBitsToFloat((data.getShort() & 0xffff) << 16);
                            }
                        }
                    }
                    tensor = shape.length == 0 ? Tensor.scalar(f[0], t.as, Device.CPU) : Tensor.of(f, shape);
                } else {
                    double[] d = new double[count];
                    switch (t) {
                        case F64 -> data.asDoubleBuffer().get(d);
                        case I64 -> {
                            for (int i = 0; i < count; i++) {
                                d[i] = data.getLong();
                            }
                        }
                        default -> { // I32
                            for (int i = 0; i < count; i++) {
                                d[i] = data.getInt();
                            }
                        }
                    }
                    tensor = shape.length == 0 ? Tensor.scalar(d[0], t.as, Device.CPU)
                            : Tensor.of(d, t.as, Device.CPU, shape);
                }
                tensors.put(e.getKey(), tensor);
            }
            return new Contents(tensors, metadata);
        }
    }

    /** The data region must be covered exactly: no overlaps, no gaps, no trailing bytes. */
    private static void checkCoverage(Path file, Map<String, long[]> entries, long dataLen) throws IOException {
        List<long[]> ranges = new ArrayList<>(entries.values());
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        long at = 0;
        for (long[] r : ranges) {
            if (r[0] != at) {
                throw corrupt(file, r[0] < at ? "tensor data regions overlap at byte " + r[0]
                        : "gap in tensor data at byte " + at);
            }
            at = r[1];
        }
        if (at != dataLen) {
            throw corrupt(file, (dataLen - at) + " bytes after the last tensor (the file does not match its header)");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position, Path file) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw corrupt(file, "unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static long exactLong(JsonNode n) {
        return n.canConvertToExactIntegral() && n.canConvertToLong() ? n.asLong(-1) : -1;
    }

    private static IOException corrupt(Path file, String problem) {
        return new IOException("safetensors file " + file + " is corrupt: " + problem);
    }
}
