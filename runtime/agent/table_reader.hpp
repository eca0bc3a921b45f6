// SIGHUP's table read, off the control thread. A table on a filesystem that
// does not answer (a dead NFS or FUSE mount) must not stop registration,
// metrics or shutdown, which that thread serves: the file is read and
// compiled on a thread of its own, and the result is handed back on the
// control reactor. One read at a time; a request meanwhile is remembered and
// served once the read ends (the file may have changed again). A read that
// never returns holds only its own thread, which the process's exit ends.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "engine/engine.hpp"

namespace sa::agent {

class TableReader {
 public:
  // `done` runs on `control`'s thread: the engine compiled from the table,
  // or null and why the table was refused.
  using Done =
      std::function<void(std::shared_ptr<const engine::Engine> engine, const std::string& error)>;

  TableReader(boost::asio::io_context& control, std::string path, Done done);
  // A read that ends later is dropped.
  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // On the control thread.
  void request();
  bool reading() const { return reading_; }

 private:
  // What the reading thread shares with the reader; `control` is null once
  // the reader is gone.
  struct Channel {
    std::mutex mutex;
    boost::asio::io_context* control;
  };

  void start();
  void finished(std::shared_ptr<const engine::Engine> engine, const std::string& error);

  std::shared_ptr<Channel> channel_;
  std::string path_;
  Done done_;
  bool reading_ = false;
  bool again_ = false;
};

}  // namespace sa::agent
