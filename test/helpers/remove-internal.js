// Preloaded with --require to play a future Node that dropped net._createServerHandle.
delete require('node:net')._createServerHandle;
