package dev.nabla.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nabla.Device;
import dev.nabla.Grad;
import dev.nabla.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import java.util.function.LongConsumer;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, so files
 * interchange with PyTorch's {@code safetensors.torch.save_file}/{@code load_file}: an 8-byte little-endian header
 * length, a JSON header ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 * "__metadata__": {..}}}), then the tensors' bytes, row-major little-endian.
 *
 * <p>Writes are atomic (a temp file in the same directory, forced to disk, then renamed), so a crash never leaves a
 * half-written checkpoint under the real name. Reads validate everything (header size, JSON, dtypes, shapes,
 * offsets within the file, no overlaps, no trailing garbage) and reject a truncated or corrupt file with an
 * {@link IOException} naming the file and the problem. Every dtype reads and writes as itself, exactly (F64, F32,
 * BF16, F16, I64, I32, I16, I8, U8, BOOL; see {@code StoredType}), so files round-trip with PyTorch byte for byte.
 */
public final class SafeTensors {
    /** Rejects trailing tokens after the header object (the format allows only space padding there). */
    /** Also rejects a name given twice (the last would silently win, and its bytes look like a gap). */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final long MAX_HEADER = 100L << 20;
    /** Tensor data moves between memory and the file in chunks of this many bytes (16 MiB). */
    static final long CHUNK_BYTES = 16L << 20;

    private SafeTensors() {
    }

    /** What a file holds: tensors (on the CPU, in file order) and string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} atomically: into a temporary file
     * {@code .<name>.<16 hex digits>.nabla-tmp} beside it, forced to disk, then renamed over {@code file}. If the
     * write fails for any reason (an exception or an {@link Error}), the temporary file is removed and an existing
     * {@code file} is left as it was. Temporary files of that naming for the same {@code file} that a killed process
     * left behind are removed first (a temporary file still being written, by this or another process, is left
     * alone: writers hold a lock on theirs). Tensors of any size (over 2 GiB too) are written in chunks.
     *
     * @throws IllegalArgumentException for a tensor named {@code __metadata__}
     * @throws IllegalStateException for a closed tensor
     */
    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        save(file, tensors, metadata, CHUNK_BYTES, null);
    }

    /**
     * {@link #save(Path, Map, Map)} in chunks of about {@code chunkBytes} bytes; {@code afterChunk} (may be null),
     * a seam for tests, is called with the byte count written so far after each chunk of tensor data.
     */
    static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, long chunkBytes,
                     LongConsumer afterChunk) throws IOException {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("safetensors: chunk size must be positive, got " + chunkBytes);
        }
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
            long bytes = Math.multiplyExact(t.numel(), (long) t.dtype().byteSize());
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", StoredType.of(t.dtype()).name());
            var shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset = Math.addExact(offset, bytes);
            order.add(t);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // The format pads the header with spaces to a multiple of 8 bytes.
        int padded = (json.length + 7) / 8 * 8;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        TempFiles.sweepStale(dir, file.getFileName().toString());
        TempFiles.Temp tmp = TempFiles.create(dir, file.getFileName().toString());
        try {
            try (FileChannel ch = tmp.channel(); Arena arena = Arena.ofConfined(); Grad off = Grad.disabled()) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(json);
                while (head.hasRemaining()) {
                    head.put((byte) ' ');
                }
                head.flip();
                writeFully(ch, head);
                long largest = 0;
                for (Tensor t : order) {
                    largest = Math.max(largest, t.numel() * t.dtype().byteSize());
                }
                MemorySegment buf = arena.allocate(Math.max(8, Math.min(largest, chunkBytes)), 8);
                long[] written = {0};
                for (Tensor t : order) {
                    writeTensor(ch, t, buf, chunkBytes, written, afterChunk);
                }
                ch.force(true);
                TempFiles.publish(tmp.path());
                // renamed while still open and locked, so no sweeper can take it for a dead writer's file
                try {
                    Files.move(tmp.path(), file, StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp.path(), file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (Throwable failure) {
            // any failure, an Error included: the temporary file goes, the previous file stays as it was
            try {
                Files.deleteIfExists(tmp.path());
            } catch (IOException | RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        } finally {
            tmp.done();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * Writes {@code t}'s elements, row-major little-endian, through {@code buf} in chunks of about
     * {@code chunkBytes}, so no Java array is larger than a chunk.
     */
    private static void writeTensor(FileChannel ch, Tensor t, MemorySegment buf, long chunkBytes, long[] written,
                                    LongConsumer afterChunk) throws IOException {
        long numel = t.numel();
        if (numel == 0) {
            return;
        }
        StoredType stored = StoredType.of(t.dtype());
        int size = stored.size;
        int perChunk = (int) Math.max(1, Math.min(chunkBytes, buf.byteSize()) / size);
        Tensor flat = t.reshape(numel);
        try {
            for (long start = 0; start < numel; start += perChunk) {
                int n = (int) Math.min(perChunk, numel - start);
                Tensor part = n == numel ? flat : flat.narrow(0, start, n);
                try {
                    stored.encode(part, buf);
                } finally {
                    if (part != flat) {
                        part.close();
                    }
                }
                writeFully(ch, buf.asSlice(0, (long) n * size).asByteBuffer());
                written[0] += (long) n * size;
                if (afterChunk != null) {
                    afterChunk.accept(written[0]);
                }
            }
        } finally {
            if (flat != t) {
                flat.close();
            }
        }
    }

    /**
     * Reads every tensor and the metadata of {@code file}; tensors are created on the CPU, each in the dtype it was
     * stored as ({@code Module.loadStateDict} converts them to the module's dtypes).
     */
    public static Contents load(Path file) throws IOException {
        return load(file, CHUNK_BYTES);
    }

    /** {@link #load(Path)}, reading tensor data in chunks of about {@code chunkBytes} bytes. */
    static Contents load(Path file, long chunkBytes) throws IOException {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("safetensors: chunk size must be positive, got " + chunkBytes);
        }
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
            Map<String, StoredType> types = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject()) {
                        throw corrupt(file, "__metadata__ is not a JSON object of strings: " + clip(e.getValue()));
                    }
                    for (var m : e.getValue().properties()) {
                        if (!m.getValue().isTextual()) {
                            throw corrupt(file, "metadata entry '" + m.getKey() + "' is not a string: "
                                    + clip(m.getValue()));
                        }
                        metadata.put(m.getKey(), m.getValue().asText());
                    }
                    continue;
                }
                JsonNode n = e.getValue();
                String name = e.getKey();
                if (!n.isObject()) {
                    throw corrupt(file, "tensor '" + name + "' is not a JSON object: " + clip(n));
                }
                StoredType t = StoredType.of(n.path("dtype").asText());
                if (t == null) {
                    throw corrupt(file, "tensor '" + name + "' has unknown dtype '" + clip(n.path("dtype").asText())
                            + "' (Nabla reads " + java.util.Arrays.toString(StoredType.values()) + ")");
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
                        Long v = integral(d);
                        shape[i] = v == null ? -1 : v;
                        if (shape[i] < 0) {
                            throw corrupt(file, "tensor '" + name + "' has a negative or non-integer size "
                                    + clip(d) + " in its shape " + clip(shapeNode));
                        }
                        numel = Math.multiplyExact(numel, shape[i]);
                        extent = Math.multiplyExact(extent, Math.max(shape[i], 1));
                    }
                    nbytes = Math.multiplyExact(numel, (long) t.size);
                } catch (ArithmeticException overflow) {
                    throw corrupt(file, "tensor '" + name + "' has an impossibly large shape "
                            + clip(shapeNode) + " (its byte size overflows a 64-bit count)");
                }
                Long b = integral(offs.get(0));
                Long en = integral(offs.get(1));
                if (b == null || en == null) {
                    throw corrupt(file, "tensor '" + name + "' has data_offsets " + clip(offs)
                            + " that are not 64-bit integers");
                }
                long begin = b;
                long end = en;
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
            long largest = 0;
            for (long[] r : entries.values()) {
                largest = Math.max(largest, r[1] - r[0]);
            }
            boolean done = false;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.max(8, Math.min(largest, chunkBytes)), 8);
                for (var e : entries.entrySet()) {
                    long[] range = e.getValue();
                        Tensor t;
                    try {
                        t = readTensor(ch, file, dataStart + range[0], types.get(e.getKey()),
                                shapes.get(e.getKey()), buf, chunkBytes);
                    } catch (IllegalArgumentException | ArithmeticException bad) {
                        throw corrupt(file, "tensor '" + e.getKey() + "' cannot be created: " + bad.getMessage());
                    }
                    tensors.put(e.getKey(), t);
                }
                done = true;
            } finally {
                if (!done) {
                    tensors.values().forEach(Tensor::close);
                }
            }
            return new Contents(tensors, metadata);
        }
    }

    /**
     * Reads one tensor of {@code shape} stored as {@code t} from byte {@code position}, in chunks of about
     * {@code chunkBytes} through {@code buf}: a tensor that fits one chunk is decoded at once; a larger one is
     * allocated first and filled chunk by chunk, so no Java array is larger than a chunk.
     */
    private static Tensor readTensor(FileChannel ch, Path file, long position, StoredType t, long[] shape,
                                     MemorySegment buf, long chunkBytes) throws IOException {
        long numel = 1;
        for (long d : shape) {
            numel *= d; // checked against the file size already: no overflow
        }
        int perChunk = (int) Math.max(1, Math.min(chunkBytes, buf.byteSize()) / t.size);
        if (numel <= perChunk) {
            int n = (int) numel;
            read(ch, file, position, buf, (long) n * t.size);
            Tensor flat = t.decode(buf, n);
            Tensor out = flat.reshape(shape);
            if (out != flat) {
                flat.close(); // out, a view, keeps the memory
            }
            return out;
        }
        Tensor out = Tensor.empty(t.dtype, Device.CPU, shape);
        try (Grad off = Grad.disabled()) {
            Tensor flat = out.view(numel);
            try {
                for (long start = 0; start < numel; start += perChunk) {
                    int n = (int) Math.min(perChunk, numel - start);
                    read(ch, file, position + start * t.size, buf, (long) n * t.size);
                    Tensor src = t.decode(buf, n);
                    Tensor part = flat.narrow(0, start, n);
                    try {
                        part.copy_(src);
                    } finally {
                        part.close();
                        src.close();
                    }
                }
            } finally {
                flat.close(); // a view: out keeps the memory
            }
        } catch (IOException | RuntimeException | Error e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** Fills the first {@code bytes} of {@code buf} from the file at {@code position}. */
    private static void read(FileChannel ch, Path file, long position, MemorySegment buf, long bytes)
            throws IOException {
        readFully(ch, buf.asSlice(0, bytes).asByteBuffer(), position, file);
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

    /**
     * A JSON number with an integral value that fits a {@code long} (so {@code 3} or {@code 3.0}), else null: a
     * fractional, textual or too large value (which Jackson's {@code asLong} would truncate to a wrong number).
     */
    private static Long integral(JsonNode d) {
        if (d == null || !d.isNumber() || !d.canConvertToExactIntegral() || !d.canConvertToLong()) {
            return null;
        }
        return d.asLong();
    }

    /** A JSON value for a message, shortened (a hostile header can hold megabytes in one value). */
    private static String clip(JsonNode n) {
        return clip(String.valueOf(n));
    }

    /** A value from a file, shortened for a message (a hostile file can hold megabytes in one value). */
    static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static IOException corrupt(Path file, String problem) {
        return new IOException("safetensors file " + file + " is corrupt: " + problem);
    }
}
