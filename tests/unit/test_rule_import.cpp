// plan_import(): which of the kernel's `ip -6 rule` entries become pmtuguard
// source rules, and when importing would route differently than the kernel.
#include <gtest/gtest.h>

#include <linux/rtnetlink.h>

#include <algorithm>

#include "lib/error.h"
#include "lib/rules.h"

namespace pmtuguard {
namespace {

KernelRule kernel_rule(uint32_t pref, std::string_view from, uint32_t table, std::string iif = "",
		       std::string unsupported = "")
{
	KernelRule k;
	k.priority = pref;
	// The kernel may hold host bits; Ipv6Prefix::parse would refuse them.
	auto slash = from.find('/');
	k.from.addr = parse_ipv6_address(from.substr(0, slash));
	k.from.len = static_cast<unsigned>(std::stoul(std::string(from.substr(slash + 1))));
	k.table = table;
	k.iif = std::move(iif);
	k.unsupported = std::move(unsupported);
	return k;
}

// What every kernel starts with.
std::vector<KernelRule> builtins()
{
	return {kernel_rule(0, "::/0", RT_TABLE_LOCAL), kernel_rule(32766, "::/0", RT_TABLE_MAIN)};
}

int fake_ifindex(const std::string &name)
{
	return name == "eth1" ? 7 : name == "eth2" ? 8 : 0;
}

SourceRule rule(std::string_view from, uint32_t table, int ifindex = 0)
{
	return {Ipv6Prefix::parse(from), ifindex, table};
}

std::vector<KernelRule> with_builtins(std::vector<KernelRule> rules)
{
	auto all = builtins();
	all.insert(all.end(), rules.begin(), rules.end());
	return all;
}

TEST(RuleImport, NothingToImportFromAFreshKernel)
{
	ImportPlan plan = plan_import(builtins(), {}, fake_ifindex);
	EXPECT_TRUE(plan.add.empty());
	EXPECT_TRUE(plan.skipped.empty()) << "the built-in rules are not reported";
	EXPECT_EQ(plan.already_present, 0u);
}

TEST(RuleImport, SourceRulesInPriorityOrderWithScopeAndMaskedAddress)
{
	ImportPlan plan = plan_import(with_builtins({kernel_rule(200, "2001:db8::/48", 300),
						     kernel_rule(100, "2001:db8:0:1::5/64", 200, "eth1")}),
				      {}, fake_ifindex);
	ASSERT_EQ(plan.add.size(), 2u);
	EXPECT_EQ(plan.add[0], rule("2001:db8:0:1::/64", 200, 7)) << "pref 100 first, host bits cleared, iif resolved";
	EXPECT_EQ(plan.add[1], rule("2001:db8::/48", 300));
}

TEST(RuleImport, SkipsWhatIsNotASourceRuleSayingWhy)
{
	ImportPlan plan = plan_import(
		with_builtins({kernel_rule(100, "::/0", 200, "", "fwmark selector"),
			       kernel_rule(110, "2001:db8:1::/64", 200, "nosuchdev"),
			       kernel_rule(120, "2001:db8:2::/64", 200), kernel_rule(130, "2001:db8:2::/64", 300),
			       kernel_rule(40000, "2001:db8:3::/64", 200)}),
		{}, fake_ifindex);
	ASSERT_EQ(plan.add.size(), 1u);
	EXPECT_EQ(plan.add[0], rule("2001:db8:2::/64", 200));
	ASSERT_EQ(plan.skipped.size(), 4u);
	auto skipped_with = [&](std::string_view text) {
		return std::count_if(plan.skipped.begin(), plan.skipped.end(),
				     [&](const std::string &s) { return s.find(text) != std::string::npos; });
	};
	EXPECT_EQ(skipped_with("pref 100 from all lookup 200: fwmark selector"), 1);
	EXPECT_EQ(skipped_with("pref 110 from 2001:db8:1::/64 iif nosuchdev lookup 200: interface nosuchdev does not exist"), 1);
	EXPECT_EQ(skipped_with("pref 130 from 2001:db8:2::/64 lookup 300: shadowed by pref 120"), 1);
	EXPECT_EQ(skipped_with("pref 40000 from 2001:db8:3::/64 lookup 200: after the main table's rule (pref 32766)"), 1);
}

TEST(RuleImport, RefusesWhenTheKernelConsultsAShorterPrefixFirst)
{
	auto kernel = with_builtins({kernel_rule(100, "2001:db8::/48", 300), kernel_rule(200, "2001:db8::/64", 200)});
	try {
		plan_import(kernel, {}, fake_ifindex);
		FAIL() << "expected an error";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("the kernel consults 'pref 100 from 2001:db8::/48 lookup 300' before "
						     "'pref 200 from 2001:db8::/64 lookup 200'"),
			  std::string::npos)
			<< e.what();
	}
}

TEST(RuleImport, ScopedRuleFirstInTheKernelOverAnUnscopedLongerOne)
{
	// For packets from eth1 the kernel takes the scoped /48; pmtuguard the /64.
	EXPECT_THROW(plan_import(with_builtins({kernel_rule(100, "2001:db8::/48", 300, "eth1"),
						kernel_rule(200, "2001:db8::/64", 200)}),
				 {}, fake_ifindex),
		     Error);
	// On an equal prefix pmtuguard prefers the scoped rule, as the kernel
	// does when the scoped one comes first...
	EXPECT_NO_THROW(plan_import(with_builtins({kernel_rule(100, "2001:db8::/64", 300, "eth1"),
						   kernel_rule(200, "2001:db8::/64", 200)}),
				    {}, fake_ifindex));
	// ...but not when the unscoped one does.
	EXPECT_THROW(plan_import(with_builtins({kernel_rule(100, "2001:db8::/64", 200),
						kernel_rule(200, "2001:db8::/64", 300, "eth1")}),
				 {}, fake_ifindex),
		     Error);
}

TEST(RuleImport, OrdersThatCannotDisagreeAreAccepted)
{
	ImportPlan plan = plan_import(
		with_builtins({// the same table either way
			       kernel_rule(100, "2001:db8::/48", 200), kernel_rule(110, "2001:db8::/64", 200),
			       // scoped to different interfaces: never the same packet
			       kernel_rule(120, "2001:db9::/48", 300, "eth1"), kernel_rule(130, "2001:db9::/64", 200, "eth2"),
			       // disjoint prefixes
			       kernel_rule(140, "2001:dba::/48", 300), kernel_rule(150, "2001:dbb::/64", 200)}),
		{}, fake_ifindex);
	EXPECT_EQ(plan.add.size(), 6u);
}

TEST(RuleImport, ExistingRulesArePresentOrInTheWay)
{
	auto kernel = with_builtins({kernel_rule(100, "2001:db8::/64", 200)});
	ImportPlan plan = plan_import(kernel, {rule("2001:db8::/64", 200)}, fake_ifindex);
	EXPECT_TRUE(plan.add.empty());
	EXPECT_EQ(plan.already_present, 1u);

	EXPECT_THROW(plan_import(kernel, {rule("2001:db8::/64", 300)}, fake_ifindex), Error)
		<< "the same selector with another table must not be overwritten";
	plan = plan_import(kernel, {rule("2001:db8::/64", 300, 7)}, fake_ifindex);
	EXPECT_EQ(plan.add.size(), 1u) << "a rule scoped to eth1 is another rule";
}

TEST(RuleImport, TableIds)
{
	EXPECT_EQ(parse_table_id("200"), 200u);
	EXPECT_EQ(parse_table_id("4294967295"), 4294967295u);
	EXPECT_EQ(parse_table_id("main"), static_cast<uint32_t>(RT_TABLE_MAIN));
	EXPECT_THROW(parse_table_id("0"), Error);
	EXPECT_THROW(parse_table_id("4294967296"), Error);
	EXPECT_THROW(parse_table_id("-1"), Error);
	EXPECT_THROW(parse_table_id("local"), Error);
}

} // namespace
} // namespace pmtuguard
