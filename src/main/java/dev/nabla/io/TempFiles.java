package dev.nabla.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The temporary files of atomic saves: {@code .<target name>.<16 lowercase hex digits>.nabla-tmp} in the target's
 * directory. The writer holds an exclusive lock on its temporary file while it writes it (the operating system
 * drops the lock when the process dies, {@code kill -9} included), so the next save to the same target can tell a
 * file left by a dead writer, which it deletes, from one still being written, which it leaves alone. Only names of
 * exactly this form for exactly that target are ever deleted.
 */
final class TempFiles {
    static final String SUFFIX = ".nabla-tmp";
    private static final Pattern RANDOM = Pattern.compile("[0-9a-f]{16}");
    private static final SecureRandom RNG = new SecureRandom();
    /** Temporary files this JVM is writing now (a lock test from the same process cannot see its own locks). */
    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();

    private TempFiles() {
    }

    /** An open, locked temporary file; {@link #done()} once it has been renamed or deleted. */
    record Temp(Path path, FileChannel channel) {
        void done() {
            IN_FLIGHT.remove(path);
        }
    }

    /** Whether {@code name} is a temporary file of ours for the target named {@code target}. */
    static boolean isTempFor(String name, String target) {
        String prefix = "." + target + ".";
        return name.length() == prefix.length() + 16 + SUFFIX.length() && name.startsWith(prefix)
                && name.endsWith(SUFFIX)
                && RANDOM.matcher(name.substring(prefix.length(), prefix.length() + 16)).matches();
    }

    /**
     * Gives a finished temporary file the permissions of an ordinary output, {@code rw-r--r--} (0644) where the file
     * system has POSIX permissions: it is created owner-only so that nobody reads it half-written, but the file it
     * becomes is a result like any other (checkpoints used to stay 0600 while the other outputs were 0644).
     */
    static void publish(Path path) throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** Creates, opens for writing and locks a new temporary file for {@code target} in {@code dir}. */
    static Temp create(Path dir, String target) throws IOException {
        FileAttribute<?>[] attrs = dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rw-------"))} : new FileAttribute<?>[0];
        for (int attempt = 0; ; attempt++) {
            byte[] r = new byte[8];
            RNG.nextBytes(r);
            Path p = dir.resolve("." + target + "." + HexFormat.of().formatHex(r) + SUFFIX);
            FileChannel ch;
            try {
                ch = FileChannel.open(p, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs);
            } catch (FileAlreadyExistsException e) {
                if (attempt < 10) {
                    continue;
                }
                throw e;
            }
            IN_FLIGHT.add(p);
            try {
                ch.lock();
            } catch (IOException | OverlappingFileLockException e) {
                // a file system without locks: write unlocked; another process's sweep could then remove the file
                // while it is written, which makes that save fail (never a corrupt checkpoint)
            } catch (Throwable t) {
                IN_FLIGHT.remove(p);
                ch.close();
                Files.deleteIfExists(p);
                throw t;
            }
            return new Temp(p, ch);
        }
    }

    /**
     * Deletes the temporary files for {@code target} in {@code dir} that no live writer holds (left by a process
     * that died while saving). Best effort: a file that cannot be inspected or deleted is left where it is.
     */
    static void sweepStale(Path dir, String target) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir,
                p -> isTempFor(p.getFileName().toString(), target))) {
            for (Path p : files) {
                if (!IN_FLIGHT.contains(p) && unlocked(p)) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // left for a later sweep
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the sweep is housekeeping; the save itself goes on
        }
    }

    /** Whether nobody holds {@code p}'s lock, i.e. its writer is gone (false when that cannot be told). */
    private static boolean unlocked(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (IOException | OverlappingFileLockException e) { // gone, a link, no lock support, or held here
            return false;
        }
    }
}
