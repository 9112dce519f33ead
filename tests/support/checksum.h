#pragma once
#include <cstdint>
#include <span>

namespace pmtuguard::test {

// Ones'-complement Internet checksum over bytes (host-order result).
uint16_t internet_checksum(std::span<const uint8_t> bytes, uint32_t initial = 0);

} // namespace pmtuguard::test
