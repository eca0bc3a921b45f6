#include "holder/holder_protocol.hpp"

#include <stdexcept>

namespace sa::holder {
namespace {

char byte_of(Op op) {
  switch (op) {
    case Op::Hello:
      return 'H';
    case Op::Entry:
      return 'E';
    case Op::End:
      return 'Z';
    case Op::Deposit:
      return 'D';
    case Op::Update:
      return 'U';
    case Op::Withdraw:
      return 'W';
  }
  throw std::logic_error("holder op out of range");
}

Op op_of(char byte) {
  for (const Op op : {Op::Hello, Op::Entry, Op::End, Op::Deposit, Op::Update, Op::Withdraw}) {
    if (byte_of(op) == byte)
      return op;
  }
  throw std::runtime_error(std::string("unknown holder op '") + byte + "'");
}

}  // namespace

std::string encode(Op op, std::string_view key, std::string_view blob) {
  std::string body(1, byte_of(op));
  body.append(key);
  body.push_back('\n');
  body.append(blob);
  return body;
}

Message decode(std::string body, std::vector<kernel::UniqueFd> fds) {
  if (body.empty())
    throw std::runtime_error("an empty holder frame");
  const size_t newline = body.find('\n');
  if (newline == std::string::npos || newline - 1 > kMaxKeyBytes)
    throw std::runtime_error("a holder frame without a key line");
  Message m;
  m.op = op_of(body[0]);
  m.key = body.substr(1, newline - 1);
  m.blob = body.substr(newline + 1);
  m.fds = std::move(fds);
  return m;
}

}  // namespace sa::holder
