// PTB rate limits under BPF_PROG_TEST_RUN: a GCRA bucket per source prefix
// and a global one (bpf/ratelimit.h). A burst is exact whatever the timing,
// since time passing only adds credit; refill is shown by sleeping one
// emission interval, with rates chosen so the test waits at most ~120 ms.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/xdp_router_test.h"

namespace pmtuguard::test {
namespace {

using R = Router;

class XdpRateLimit : public XdpRouterTest {
protected:
	void set_limits(unsigned prefix_len, unsigned source_rate, unsigned source_burst, unsigned global_rate,
			unsigned global_burst)
	{
		pg_settings s{};
		s.source_prefix_len = prefix_len;
		s.source_rate = source_rate;
		s.source_burst = source_burst;
		s.global_rate = global_rate;
		s.global_burst = global_burst;
		dp.maps().set_settings(s);
	}

	// Too big for the narrow link, from src.
	static Bytes oversize_from(std::string_view src) { return echo(R::kBehindNarrow, 1400, src); }

	XdpCase answered(std::string description, std::string_view src) const
	{
		return ptb_case(std::move(description), oversize_from(src), R::kNarrowMtu);
	}

	XdpCase limited(std::string description, std::string_view src, pg_counter why = PG_CNT_PTB_SUPP_RATE_LIMIT) const
	{
		return drop_case(std::move(description), oversize_from(src), why);
	}
};

TEST_F(XdpRateLimit, BurstIsAnsweredThenTheSourceIsSuppressed)
{
	set_limits(64, 1, 3, 0, 0);
	expect_cases({
		answered("1st of a burst of 3", R::kHost),
		answered("2nd", R::kHost),
		answered("3rd", R::kHost),
		limited("4th: the burst is spent", R::kHost),
		limited("5th", R::kHost),
	});
}

TEST_F(XdpRateLimit, BucketRefillsAfterOneInterval)
{
	constexpr unsigned rate = 10; // one PTB per 100 ms
	set_limits(64, rate, 1, 0, 0);
	expect_cases({answered("first", R::kHost), limited("right after it", R::kHost)});

	std::this_thread::sleep_for(std::chrono::milliseconds(1000 / rate + 20));
	expect_cases({answered("one interval later: refilled", R::kHost), limited("and spent again", R::kHost)});
}

TEST_F(XdpRateLimit, SourcesShareTheBucketOfTheirPrefix)
{
	set_limits(64, 1, 1, 0, 0);
	expect_cases({
		answered("2001:db8:1::100", "2001:db8:1::100"),
		limited("2001:db8:1::200, same /64", "2001:db8:1::200"),
		answered("2001:db8:7::100, another /64", "2001:db8:7::100"),
	});
}

TEST_F(XdpRateLimit, PrefixLengthSetsTheGrouping)
{
	set_limits(128, 1, 1, 0, 0);
	expect_cases({
		answered("/128: 2001:db8:1::100", "2001:db8:1::100"),
		answered("/128: 2001:db8:1::200 has a bucket of its own", "2001:db8:1::200"),
		limited("/128: 2001:db8:1::100 again", "2001:db8:1::100"),
	});

	set_limits(32, 1, 1, 0, 0);
	expect_cases({
		answered("/32: 2001:db8:5::1", "2001:db8:5::1"),
		limited("/32: 2001:db8:ffff::1, the same /32", "2001:db8:ffff::1"),
	});
}

TEST_F(XdpRateLimit, GlobalCapAppliesAcrossSources)
{
	set_limits(64, 0, 0, 1, 2);
	expect_cases({
		answered("source A", "2001:db8:1::100"),
		answered("source B", "2001:db8:7::100"),
		limited("source C: the global burst of 2 is spent", "2001:db8:8::100", PG_CNT_PTB_SUPP_GLOBAL_LIMIT),
	});
}

TEST_F(XdpRateLimit, SourceLimitedPacketsDoNotSpendTheGlobalBudget)
{
	set_limits(64, 1, 1, 1, 2);
	expect_cases({
		answered("A: one of the global 2", "2001:db8:1::100"),
		limited("A again: its own bucket refuses, the global one is not charged", "2001:db8:1::100"),
		answered("B: the second of the global 2", "2001:db8:7::100"),
		limited("C: global budget spent", "2001:db8:8::100", PG_CNT_PTB_SUPP_GLOBAL_LIMIT),
	});
}

TEST_F(XdpRateLimit, DefaultsAnswerABurstOf50)
{
	// attach's defaults: 100 PTB/s per /64 with bursts of 50.
	const pg_settings s = dp.maps().settings();
	ASSERT_EQ(s.source_rate, 100u);
	ASSERT_EQ(s.source_burst, 50u);

	auto start = std::chrono::steady_clock::now();
	for (int i = 1; i <= 50; i++)
		expect_case(dp, answered("burst packet " + std::to_string(i), R::kHost));
	constexpr int extra = 100;
	for (int i = 0; i < extra; i++)
		dp.run(oversize_from(R::kHost), router.in);
	auto elapsed = std::chrono::steady_clock::now() - start;

	// After the burst, one more PTB per 10 ms that has passed, and no more.
	CounterValues v = dp.counters(router.in);
	auto intervals = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 10;
	EXPECT_GE(v[PG_CNT_PTB_SENT], 50u);
	EXPECT_LE(v[PG_CNT_PTB_SENT], 50u + static_cast<uint64_t>(intervals) + 1);
	EXPECT_EQ(v[PG_CNT_PTB_SENT] + v[PG_CNT_PTB_SUPP_RATE_LIMIT], 50u + extra);
	expect_counter_invariants(v);
}

} // namespace
} // namespace pmtuguard::test
