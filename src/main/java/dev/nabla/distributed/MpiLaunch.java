package dev.nabla.distributed;

import java.util.Map;
import java.util.Optional;

/**
 * What {@code mpirun} tells a process it launched: {@code OMPI_COMM_WORLD_RANK} and {@code OMPI_COMM_WORLD_SIZE}
 * (Open MPI's launcher variables).
 *
 * @param rank this process's rank
 * @param size the number of processes
 */
record MpiLaunch(int rank, int size) {
    static final String RANK = "OMPI_COMM_WORLD_RANK";
    static final String SIZE = "OMPI_COMM_WORLD_SIZE";

    /** The launch this process is part of, or empty when neither variable is set (not started by mpirun). */
    static Optional<MpiLaunch> fromEnvironment() {
        return from(System.getenv());
    }

    /**
     * Reads the variables from {@code env}.
     *
     * @throws DistributedException when only one is set or either is not a number in range
     */
    static Optional<MpiLaunch> from(Map<String, String> env) {
        String rank = env.get(RANK);
        String size = env.get(SIZE);
        if (rank == null && size == null) {
            return Optional.empty();
        }
        if (rank == null || size == null) {
            throw new DistributedException((rank == null ? RANK : SIZE) + " is not set but "
                    + (rank == null ? SIZE : RANK) + " is: this process was not started by Open MPI's mpirun");
        }
        try {
            int r = Integer.parseInt(rank.strip());
            int s = Integer.parseInt(size.strip());
            if (s < 1 || r < 0 || r >= s) {
                throw new DistributedException(RANK + "=" + rank + " and " + SIZE + "=" + size + " are out of range");
            }
            return Optional.of(new MpiLaunch(r, s));
        } catch (NumberFormatException e) {
            throw new DistributedException(RANK + "=" + rank + " and " + SIZE + "=" + size + " must be integers", e);
        }
    }

    /** The message for a process that needs MPI but was not launched by {@code mpirun}. */
    static String notLaunchedMessage() {
        return "not launched by mpirun: " + RANK + " and " + SIZE + " are not set. Start the program with"
                + " `mpirun -np N java ...` (Open MPI), or use ProcessGroup.init(), which falls back to a single"
                + " process";
    }
}
