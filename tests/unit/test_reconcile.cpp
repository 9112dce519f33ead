// Daemon planning: from a config and what runs to the changes, and the
// changes a reload refuses.
#include <gtest/gtest.h>

#include "lib/reconcile.h"

namespace pmtuguard {
namespace {

int fake_ifindex(const std::string &name)
{
	return name == "eth0" ? 10 : name == "eth1" ? 11 : 0;
}

Config config(const std::string &text)
{
	return parse_config(text, "t.toml");
}

Attachment attached(const std::string &name, pg_attach_mode mode, bool observe = false)
{
	Attachment a;
	a.interface = name;
	a.mode = mode;
	a.observe = observe;
	return a;
}

TEST(Reconcile, FromNothingAttachesInGroupsAndWritesEverything)
{
	auto c = config(R"([[interface]]
name = "eth0"
[[interface]]
name = "eth1"
mode = "generic"
[[interface]]
name = "eth2"
[[mtu]]
prefix = "2001:db8::/32"
mtu = 1400
[[source_rule]]
from = "2001:db8:1::/48"
iif = "eth1"
table = 100
)");
	Plan p = plan_changes(c, RunningState{}, fake_ifindex);
	ASSERT_EQ(p.attach.size(), 2u);
	EXPECT_EQ(p.attach[0].interfaces, (std::vector<std::string>{"eth0", "eth2"}));
	EXPECT_EQ(p.attach[0].mode, PG_MODE_NATIVE);
	EXPECT_EQ(p.attach[1].interfaces, (std::vector<std::string>{"eth1"}));
	EXPECT_EQ(p.attach[1].mode, PG_MODE_GENERIC);
	ASSERT_EQ(p.mtu_set.size(), 1u);
	EXPECT_EQ(p.mtu_set[0].mtu, 1400u);
	ASSERT_EQ(p.rules_add.size(), 1u);
	EXPECT_EQ(p.rules_add[0].ifindex, 11);
	EXPECT_EQ(p.rules_add[0].table, 100u);
	ASSERT_TRUE(p.settings);
	EXPECT_EQ(p.settings->source_rate, unsigned(PG_DEFAULT_SOURCE_RATE));
	EXPECT_TRUE(p.detach.empty());
}

TEST(Reconcile, MatchingStateNeedsNothing)
{
	auto c = config("[[interface]]\nname = \"eth0\"\n[[mtu]]\nprefix = \"2001:db8::/32\"\nmtu = 1400\n");
	RunningState r;
	r.attachments = {attached("eth0", PG_MODE_NATIVE)};
	r.mtu = {{Ipv6Prefix::parse("2001:db8::/32"), 1400}};
	r.settings = c.limits;
	Plan p = plan_changes(c, r, fake_ifindex);
	EXPECT_TRUE(p.empty()) << p.describe().size() << " changes";
}

TEST(Reconcile, DifferencesOnly)
{
	auto c = config(R"([[interface]]
name = "eth0"
observe = true
[[mtu]]
prefix = "2001:db8::/32"
mtu = 1280
[[source_rule]]
from = "2001:db8:1::/48"
table = 200
[limits]
source_rate = 7
)");
	RunningState r;
	r.attachments = {attached("eth0", PG_MODE_NATIVE), attached("eth9", PG_MODE_NATIVE),
			 attached("eth9", PG_MODE_NATIVE)}; // two hooks, one interface
	r.mtu = {{Ipv6Prefix::parse("2001:db8::/32"), 1400}, {Ipv6Prefix::parse("2001:db9::/32"), 1400}};
	r.rules = {{Ipv6Prefix::parse("2001:db8:1::/48"), 0, 100}, {Ipv6Prefix::parse("2001:db8:2::/48"), 0, 100}};
	r.settings = c.limits;
	r.settings->source_rate = 100;
	Plan p = plan_changes(c, r, fake_ifindex);
	EXPECT_TRUE(p.attach.empty());
	ASSERT_EQ(p.reconfigure.size(), 1u);
	EXPECT_TRUE(p.reconfigure[0].observe);
	EXPECT_EQ(p.detach, std::vector<std::string>{"eth9"});
	ASSERT_EQ(p.mtu_set.size(), 1u);
	EXPECT_EQ(p.mtu_set[0].mtu, 1280u);
	ASSERT_EQ(p.mtu_del.size(), 1u);
	EXPECT_EQ(p.mtu_del[0].str(), "2001:db9::/32");
	// The changed table: the rule moves in place; the rule no longer
	// configured goes.
	EXPECT_TRUE(p.rules_add.empty());
	ASSERT_EQ(p.rules_move.size(), 1u);
	EXPECT_EQ(p.rules_move[0].from.str(), "2001:db8:1::/48");
	EXPECT_EQ(p.rules_move[0].table, 200u);
	ASSERT_EQ(p.rules_del.size(), 1u);
	EXPECT_EQ(p.rules_del[0].from.str(), "2001:db8:2::/48");
	ASSERT_TRUE(p.settings);
	EXPECT_EQ(p.settings->source_rate, 7u);
}

TEST(Reconcile, ModeChangeIsRefusedWithItsLine)
{
	auto c = config("[[interface]]\nname = \"eth0\"\nmode = \"generic\"\n");
	RunningState r;
	r.attachments = {attached("eth0", PG_MODE_NATIVE)};
	try {
		plan_changes(c, r, fake_ifindex);
		FAIL() << "planned a mode change";
	} catch (const ConfigError &e) {
		EXPECT_EQ(std::string(e.what()).substr(0, 38), "t.toml:2: interface 'eth0' runs in nat");
	}
}

TEST(Reconcile, RuleOnUnknownInterfaceIsRefused)
{
	auto c = config("[[interface]]\nname = \"eth0\"\n[[source_rule]]\nfrom = \"2001:db8::/32\"\niif = \"nope\"\ntable = 5\n");
	EXPECT_THROW(plan_changes(c, RunningState{}, fake_ifindex), ConfigError);
}

} // namespace
} // namespace pmtuguard
