// An experiment, not part of the bench: preload into the bot to turn off Nagle's algorithm
// (TCP_NODELAY) on every socket it opens, including its XMPP connection (xmpp.js leaves Nagle on).
//   npm run bench -- --only commands --bot-node-arg=--require=./bench/experiments/nodelay.cjs
// Compare the commands' p99 with and without: 40 ms stalls (Nagle waiting for a delayed ACK)
// disappear. See docs/PERFORMANCE.md.
const net = require("node:net");
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  this.setNoDelay(true);
  return connect.apply(this, args);
};
