// The global PTB cap under a flood of spoofed sources (bpf/ratelimit.h):
// source prefixes without a bucket share half of it, so a source that has
// one - a host whose earlier oversize packet was seen - still gets its PTB.
// Times: global rate 2/s with bursts of 1, so the shared bucket refills every
// 500 ms and the new-source half every second; the test acts 600 ms in, when
// only the first has refilled.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/xdp_router_test.h"

namespace pmtuguard::test {
namespace {

using R = Router;

class RateLimitFlood : public XdpRouterTest {
protected:
	void SetUp() override
	{
		XdpRouterTest::SetUp();
		pg_settings s{};
		s.source_prefix_len = 64;
		s.source_rate = 100;
		s.source_burst = 50;
		s.global_rate = 2;
		s.global_burst = 1;
		dp.maps().set_settings(s);
	}

	// Every call another /64, as a spoofed flood would send.
	Bytes from_new_source()
	{
		return echo(R::kBehindNarrow, 1400, "2001:db8:f:" + std::to_string(++spoofed_) + "::1");
	}

	int spoofed_ = 0;
};

TEST_F(RateLimitFlood, KnownSourceIsAnsweredWhileNewSourcesAreCapped)
{
	const std::string host = "2001:db8:1::100";
	Bytes flood_1 = from_new_source(), flood_2 = from_new_source(), flood_3 = from_new_source();
	auto start = std::chrono::steady_clock::now();
	expect_cases({
		ptb_case("flood: the first new source takes the burst", flood_1, R::kNarrowMtu),
		drop_case("flood: the next one finds the new-source half spent", flood_2, PG_CNT_PTB_SUPP_GLOBAL_LIMIT),
		drop_case("a real host, new as well: no PTB yet, but now it has a bucket",
			  echo(R::kBehindNarrow, 1400, host), PG_CNT_PTB_SUPP_GLOBAL_LIMIT),
	});

	std::this_thread::sleep_until(start + std::chrono::milliseconds(600));
	// The shared bucket has refilled; the flood comes first and may not take it.
	expect_cases({
		drop_case("the flood's next new source is still capped", flood_3, PG_CNT_PTB_SUPP_GLOBAL_LIMIT),
		ptb_case("the host retries: answered from the half new sources cannot take",
			 echo(R::kBehindNarrow, 1400, host), R::kNarrowMtu),
	});
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1))
		<< "too slow to tell: the new-source half refills after 1 s";
}

TEST_F(RateLimitFlood, NewSourcesNeverTakeMoreThanHalfTheGlobalRate)
{
	pg_settings s = dp.maps().settings();
	s.global_rate = 1000;
	s.global_burst = 100;
	dp.maps().set_settings(s);

	// 1,000 spoofed sources at once: the burst, plus what half the rate
	// refills while they are sent.
	constexpr int flood = 1000;
	auto start = std::chrono::steady_clock::now();
	for (int i = 0; i < flood; i++)
		dp.run(from_new_source(), router.in);
	double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

	CounterValues v = dp.counters(router.in);
	EXPECT_GE(v[PG_CNT_PTB_SENT], 100u);
	EXPECT_LE(v[PG_CNT_PTB_SENT], 100u + static_cast<uint64_t>(seconds * 500) + 1);
	EXPECT_EQ(v[PG_CNT_PTB_SENT] + v[PG_CNT_PTB_SUPP_GLOBAL_LIMIT], static_cast<uint64_t>(flood));
	expect_counter_invariants(v);
}

} // namespace
} // namespace pmtuguard::test
