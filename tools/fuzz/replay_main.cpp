// Runs a fuzz target over every file of the corpus directories given, once:
// the test suite's regression run for the libFuzzer targets, with any
// compiler and no libFuzzer (with PMTUGUARD_FUZZ, libFuzzer brings its own
// main and this file is not used).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_target.h"

int main(int argc, char **argv)
{
	size_t files = 0;
	for (int i = 1; i < argc; i++) {
		for (const auto &entry : std::filesystem::recursive_directory_iterator(argv[i])) {
			if (!entry.is_regular_file())
				continue;
			std::ifstream in(entry.path(), std::ios::binary);
			std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
			LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
			files++;
		}
	}
	std::printf("replayed %zu inputs, every promise held\n", files);
	return files ? 0 : 1;
}
