using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// Fifty users at once, each typing a short burst (some of it redelivered by Meta): every user gets
/// one reply, with exactly their own messages, and no reply is lost or sent twice.
/// </summary>
[Collection(BridgeCollection.Name)]
public sealed class ManyUsersTests(BridgeFixture bridge)
{
    private const int Users = 50;

    [Fact]
    public async Task Fifty_users_bursting_at_once_each_get_one_reply_with_exactly_their_messages()
    {
        var users = Enumerable.Range(0, Users).Select(i => new User(MetaWebhooks.NewWaId(),
            Enumerable.Range(0, 1 + i % 3).Select(m => ($"user {i} message {m}", MetaWebhooks.NewMessageId())).ToList(),
            RedeliverIndex: i % 4 == 0 ? i % (1 + i % 3) : null)).ToList();
        var burstTimes = new ConcurrentDictionary<string, long>();

        // :: Every user's burst at once; a user's messages in order, as WhatsApp delivers them, a
        // redelivery right after the message it repeats.
        await Task.WhenAll(users.Select(async user =>
        {
            await Task.Yield();
            var clock = Stopwatch.StartNew();
            for (var m = 0; m < user.Messages.Count; m++)
            {
                var (text, id) = user.Messages[m];
                await bridge.Meta.SendTextAsync(user.WaId, id, text);
                if (user.RedeliverIndex == m)
                    await bridge.Meta.SendTextAsync(user.WaId, id, text);
            }
            burstTimes[user.WaId] = clock.ElapsedMilliseconds;
        }));
        var timing = $"(longest burst {burstTimes.Values.Max()} ms; debounce {BridgeFixture.DebounceMs} ms)";

        // :: Fifty replies, then quiet.
        var waIds = users.Select(u => u.WaId).ToList();
        await bridge.Graph.WaitForDeliveredAsync(waIds, TimeSpan.FromSeconds(40), bridge.Describe);
        await bridge.WaitUntilSettledAsync(waIds, TimeSpan.FromSeconds(30));

        var problems = new List<string>();
        foreach (var user in users)
        {
            var replies = bridge.Graph.DeliveredTo(user.WaId);
            var expected = string.Join("\n", user.Messages.Select(m => m.Text));
            if (replies.Count != 1)
                problems.Add($"{user.WaId}: {replies.Count} replies ({string.Join(" | ", replies.Select(r => r.Text))}), expected 1: {expected}");
            else if (replies[0].Text != expected)
                problems.Add($"{user.WaId}: reply '{replies[0].Text}', expected '{expected}'");
        }
        Assert.True(problems.Count == 0, $"{problems.Count} of {Users} users got a wrong answer {timing}:\n{string.Join("\n", problems)}\n{bridge.Graph.Describe()}");

        // Nothing went anywhere else: exactly one delivered message per user of this test.
        var ours = waIds.ToHashSet();
        Assert.Equal(Users, bridge.Graph.Requests.Count(r => r.Delivered && ours.Contains(r.To ?? "")));
    }

    private sealed record User(string WaId, List<(string Text, string Id)> Messages, int? RedeliverIndex);
}
