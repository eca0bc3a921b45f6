#include "agent/table_reader.hpp"

#include <boost/asio/post.hpp>
#include <exception>
#include <thread>
#include <utility>

#include "model/codec/table_json.hpp"

namespace sa::agent {

TableReader::TableReader(boost::asio::io_context& control, std::string path, Done done)
    : channel_(std::make_shared<Channel>()), path_(std::move(path)), done_(std::move(done)) {
  channel_->control = &control;
}

TableReader::~TableReader() {
  const std::lock_guard lock(channel_->mutex);
  channel_->control = nullptr;
}

void TableReader::request() {
  if (reading_) {
    again_ = true;
    return;
  }
  start();
}

void TableReader::start() {
  reading_ = true;
  // Detached: the reader never waits for it (see the header).
  std::thread([this, channel = channel_, path = path_] {
    std::shared_ptr<const engine::Engine> engine;
    std::string error;
    try {
      engine = std::make_shared<const engine::Engine>(table::load_table_file(path));
    } catch (const std::exception& e) {
      error = e.what();
    }
    const std::lock_guard lock(channel->mutex);
    if (channel->control != nullptr) {
      // Runs only while the reader lives: it outlives nothing of the
      // control reactor, whose pending handlers die with it unrun.
      boost::asio::post(*channel->control,
                        [this, engine, error] { finished(engine, error); });
    }
  }).detach();
}

void TableReader::finished(std::shared_ptr<const engine::Engine> engine, const std::string& error) {
  reading_ = false;
  done_(std::move(engine), error);
  if (again_) {
    again_ = false;
    start();
  }
}

}  // namespace sa::agent
