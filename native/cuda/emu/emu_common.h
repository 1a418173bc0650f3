// Device memory of the CUDA emulator (fake_cuda.cpp, fake_cublas.cpp): host blocks handed out at host address +
// 2^47, so that a host-side dereference of a device pointer faults, and a table of live blocks to check copies.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>

namespace emu {
constexpr uint64_t DEVICE_BIT = uint64_t(1) << 47;

inline std::map<uint64_t, size_t>& blocks() {  // device address -> size
    static std::map<uint64_t, size_t> b;
    return b;
}
inline std::mutex& blocks_mu() {
    static std::mutex m;
    return m;
}
inline void* to_host(uint64_t d) { return reinterpret_cast<void*>(d - DEVICE_BIT); }
inline bool is_device(uint64_t a) { return (a & DEVICE_BIT) != 0; }

inline uint64_t allocate(size_t bytes) {
    void* h = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (h == nullptr) return 0;
    uint64_t d = reinterpret_cast<uint64_t>(h) + DEVICE_BIT;
    std::lock_guard<std::mutex> lock(blocks_mu());
    blocks()[d] = bytes;
    return d;
}
inline bool release(uint64_t d) {
    std::lock_guard<std::mutex> lock(blocks_mu());
    auto it = blocks().find(d);
    if (it == blocks().end()) return false;
    std::free(to_host(d));
    blocks().erase(it);
    return true;
}
/** True if [d, d+n) lies in one live block; prints why not otherwise. */
inline bool inside(uint64_t d, size_t n, const char* what) {
    std::lock_guard<std::mutex> lock(blocks_mu());
    auto it = blocks().upper_bound(d);
    if (it != blocks().begin()) {
        --it;
        if (d >= it->first && d + n <= it->first + it->second) return true;
    }
    std::fprintf(stderr, "cuda emulator: %s of %zu bytes at 0x%llx is outside every device allocation\n", what, n,
                 (unsigned long long)d);
    return false;
}
}  // namespace emu
