// The CUDA execution model for the emulator (fake_cuda.cpp): the built-in indices, __syncthreads() and atomics that
// nabla_kernels.cu uses when compiled as C++, and the real-block mode (NABLA_CUDA_EMU_THREADS=1) that runs a launch
// with its real grid and block: blockDim.x host threads per launch, each block's threads concurrently, blocks one
// after another (so a kernel's static __shared__ arrays are per block). A thread that returns from the kernel leaves
// the block's barrier, as on Volta and newer GPUs; a barrier that waits longer than 60 s aborts with a message (a
// __syncthreads that not every thread reaches), so a test fails instead of hanging.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace emu {
struct Dim3 {
    unsigned x, y, z;
};
// Per host thread: the sequential mode leaves them at one block of one thread.
inline thread_local Dim3 threadIdx{0, 0, 0}, blockIdx{0, 0, 0}, blockDim{1, 1, 1}, gridDim{1, 1, 1};

inline bool threads_mode() {
    static const bool on = [] {
        const char* v = std::getenv("NABLA_CUDA_EMU_THREADS");
        return v != nullptr && std::strcmp(v, "1") == 0;
    }();
    return on;
}

/** A barrier for a changing number of participants: drop() removes one (a thread that left the kernel). */
class Barrier {
public:
    void reset(unsigned participants) { active_ = participants; }

    /** Waits until every active participant arrived; the last one runs `last` before releasing the others. */
    void arrive_and_wait(const std::function<void()>& last = nullptr) {
        std::unique_lock<std::mutex> lock(m_);
        unsigned long gen = gen_;
        if (++arrived_ >= active_) {
            if (last) last();
            release();
            return;
        }
        if (!cv_.wait_for(lock, std::chrono::seconds(60), [&] { return gen_ != gen; })) {
            std::fprintf(stderr, "cuda emulator: __syncthreads() waited 60 s (%u of %u threads arrived): a barrier "
                                 "that not every thread of the block reaches\n", arrived_, active_);
            std::abort();
        }
    }

    void drop() {
        std::lock_guard<std::mutex> lock(m_);
        active_--;
        if (arrived_ > 0 && arrived_ >= active_) release();
    }

private:
    void release() {
        arrived_ = 0;
        gen_++;
        cv_.notify_all();
    }

    std::mutex m_;
    std::condition_variable cv_;
    unsigned active_ = 1, arrived_ = 0;
    unsigned long gen_ = 0;
};

inline Barrier*& block_barrier() {  // the running block's __syncthreads barrier (launches are serialised)
    static Barrier* b = nullptr;
    return b;
}

inline void syncthreads() {
    if (threads_mode()) block_barrier()->arrive_and_wait();
}

/** Runs `kernel` over `blocks` blocks of `threads` host threads each (blocks in order, threads concurrently). */
inline void run_blocks(unsigned blocks, unsigned threads, const std::function<void()>& kernel) {
    Barrier inside, between;
    inside.reset(threads);
    between.reset(threads);
    block_barrier() = &inside;
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; t++) {
        pool.emplace_back([&, t] {
            threadIdx = {t, 0, 0};
            blockDim = {threads, 1, 1};
            gridDim = {blocks, 1, 1};
            for (unsigned b = 0; b < blocks; b++) {
                blockIdx = {b, 0, 0};
                kernel();
                inside.drop();
                // every thread finished block b: the next block starts with a full barrier
                between.arrive_and_wait([&] { inside.reset(threads); });
            }
        });
    }
    for (auto& th : pool) th.join();
    block_barrier() = nullptr;
}

// Atomics: real read-modify-writes (host threads of one block run concurrently in the real-block mode).
inline int atomicCAS(int* a, int compare, int v) {
    __atomic_compare_exchange_n(a, &compare, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return compare;  // the old value, whether or not it was swapped
}
template <typename T>
inline T atomicAdd(T* a, T v) {
    if constexpr (std::is_integral_v<T>) {
        return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);
    } else {
        T old;
        __atomic_load(a, &old, __ATOMIC_SEQ_CST);
        T next;
        do {
            next = old + v;
        } while (!__atomic_compare_exchange(a, &old, &next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        return old;
    }
}
}  // namespace emu
