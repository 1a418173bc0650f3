/**
 * Nabla: deep learning for the JVM. Tensors in off-heap memory with reverse-mode autodiff ({@code dev.nabla}),
 * layers and losses ({@code dev.nabla.nn}), optimizers and schedules ({@code dev.nabla.optim}), datasets and loaders
 * ({@code dev.nabla.data}), checkpoints ({@code dev.nabla.io}), int8 quantization ({@code dev.nabla.quantization}), data-parallel training
 * over MPI ({@code dev.nabla.distributed}).
 *
 * <p>Only those packages are API. The kernels (backends), memory pools, native library loading, the generated
 * bindings and the internal accessor stay inside the module. On the module path, {@code --enable-native-access=dev.nabla}
 * lets it call OpenBLAS and CUDA; add {@code --add-modules jdk.incubator.vector} for the vectorised pure-Java kernels
 * (without it they run scalar).
 */
module dev.nabla {
    requires com.fasterxml.jackson.databind;
    requires java.net.http; // dev.nabla.data.Downloader (datasets fetched on request)
    requires static jdk.incubator.vector;

    exports dev.nabla;
    exports dev.nabla.nn;
    exports dev.nabla.optim;
    exports dev.nabla.data;
    exports dev.nabla.io;
    exports dev.nabla.quantization;
    exports dev.nabla.distributed;
}
