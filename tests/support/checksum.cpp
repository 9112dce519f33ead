#include "support/checksum.h"

namespace pmtuguard::test {

// Straightforward RFC 1071 sum, deliberately unlike the BPF side's
// bpf_csum_diff chunks, so the tests check the datapath independently.
uint16_t internet_checksum(std::span<const uint8_t> bytes, uint32_t initial)
{
	uint64_t sum = initial;
	for (size_t i = 0; i + 1 < bytes.size(); i += 2)
		sum += static_cast<uint32_t>(bytes[i]) << 8 | bytes[i + 1];
	if (bytes.size() % 2)
		sum += static_cast<uint32_t>(bytes.back()) << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(~sum & 0xffff);
}

} // namespace pmtuguard::test
