// The agent's side of crash survival (issue 12 part 2; the holder is
// holder/holder.hpp, its reasons in docs/architecture.md, "Restart and
// upgrade"). With --holder:
//
// - every container registered is deposited with the holder before it is
//   served: its notify fd, its init's pidfd, a fresh in-flight record
//   (inflight_record.hpp) and its state as at registration (the
//   hand-over's ContainerState JSON, which the holder keeps unread); it is
//   withdrawn when it is gone (Registry::remove);
// - an agent started without --takeover takes back everything the holder
//   keeps, adopted exactly as a --takeover adopts (Registry::adopt, policies
//   chosen again), and first answers the notifications the dead agent had
//   received and not answered: their callers wait in the kernel for an
//   answer that would otherwise never come;
// - a --takeover successor deposits every container it took over, under new
//   keys, then withdraws every key the holder had: the holder's set is its
//   own, each notify fd adopted once.
#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <exception>
#include <set>

#include "agent/agent.hpp"
#include "agent/log.hpp"

namespace sa::agent {
namespace {

using spdlog::level::err;
using spdlog::level::info;
using spdlog::level::warn;

// What an orphan's caller gets: the dead agent may or may not have carried
// out its decision (an emulated mkdir may have been made), as with a call a
// signal interrupted.
constexpr int kOrphanErrno = EINTR;
// How far below the last id received the ids are asked about: notifications
// still waiting that much older are delayed answers of a busy container.
constexpr uint64_t kOrphanWindow = 1024;

}  // namespace

void Agent::take_back() {
  holder_ = std::make_unique<HolderClient>(options_.holder_path, options_.allowed_uids);
  registry_.set_holder(holder_.get());
  std::vector<HeldContainer> held = holder_->take_held();
  // One vector of fds, each state's indices moved to its place there.
  std::vector<handover::ContainerState> states;
  std::vector<kernel::UniqueFd> fds;
  for (HeldContainer& h : held) {
    const size_t base = fds.size();
    h.state.notify_fd += base;
    if (h.state.init_fd)
      *h.state.init_fd += base;
    for (auto& fd : h.fds)
      fds.push_back(std::move(fd));
    states.push_back(h.state);
  }
  TakenOver taken = adopt_containers(std::move(states), fds, true);
  size_t orphans = 0;
  for (size_t i = 0; i < taken.size(); ++i) {
    const std::shared_ptr<Container>& c = taken[i].first;
    c->holder_key = held[i].key;
    try {
      c->inflight = std::make_unique<InflightRecord>(InflightRecord::map(held[i].inflight));
      orphans += answer_orphans(*c, *c->inflight);
    } catch (const std::exception& e) {
      log_event(err, "no in-flight record: notifications the dead agent left unanswered wait",
                {{"id", c->info.id}, {"error", e.what()}});
    }
    boost::asio::post(c->loop.io(), [this, c] { handler_.start_taken_over(c, {}); });
  }
  log_event(info, "took back", {{"containers", taken.size()}, {"orphans_answered", orphans},
                                {"holder", options_.holder_path}});
}

size_t Agent::answer_orphans(Container& c, const InflightRecord& record) {
  const std::optional<uint64_t> last = record.last();
  if (!last)
    return 0;
  size_t answered = 0;
  // last + 1: the dead agent may have received it and died before the store.
  for (uint64_t back = 0; back <= kOrphanWindow; ++back) {
    const uint64_t id = *last + 1 - back;
    if (!c.notify.id_valid(id))
      continue;
    const kernel::SendOutcome sent = c.notify.respond(id, model::Response::fail(kOrphanErrno));
    log_event(warn, "orphan answered",
              {{"id", c.info.id},
               {"notification", id},
               {"errno", "EINTR"},
               {"caller_gone", sent == kernel::SendOutcome::TargetGone},
               {"why", "received by the agent that died and never answered; what it did of "
                       "its decision is unknown"}});
    ++answered;
  }
  return answered;
}

void Agent::deposit(Container& c, const handover::ContainerState& state) {
  try {
    auto [record, fd] = InflightRecord::create();
    c.holder_key = fmt::format("{}/{}.{}", c.info.id, started_ns_, c.serial);
    holder_->deposit(c.holder_key, state, c.notify.get(), c.init ? c.init->get() : -1, fd.get());
    c.inflight = std::make_unique<InflightRecord>(std::move(record));
  } catch (const std::exception& e) {
    c.holder_key.clear();
    log_event(err, "not deposited with the holder: a crash would lose it",
              {{"id", c.info.id}, {"error", e.what()}});
  }
}

void Agent::join_holder(const TakenOver& taken) {
  try {
    holder_ = std::make_unique<HolderClient>(options_.holder_path, options_.allowed_uids);
  } catch (const std::exception& e) {
    // The hand-over is done: serving without a holder beats not serving.
    log_event(err, "holder not reached after the hand-over: a crash would not be survived",
              {{"error", e.what()}});
    return;
  }
  registry_.set_holder(holder_.get());
  // The holder's own duplicates stay until the withdrawals below; these close.
  std::vector<HeldContainer> held = holder_->take_held();
  for (const auto& [c, state] : taken) {
    deposit(*c, state);
    // Its delayed answers were received already: a crash must find them.
    for (const handover::DelayedAnswer& d : state.delayed) {
      if (c->inflight && (!c->inflight->last() || d.notification.id > *c->inflight->last()))
        c->inflight->received(d.notification.id);
    }
  }
  // Deposited before withdrawn: never a moment when the holder lacks a fd.
  for (const HeldContainer& h : held)
    holder_->withdraw(h.key);
  log_event(info, "holder joined", {{"deposited", taken.size()}, {"withdrawn", held.size()}});
}

}  // namespace sa::agent
