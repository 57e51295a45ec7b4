// Preloaded with --require to play a future Node whose stream_wrap binding has no WriteWrap: the kit
// sees the binding without it, while Node's own net and child_process keep theirs.
const original = process.binding;
process.binding = (name) => (name === 'stream_wrap' ? { ...original.call(process, name), WriteWrap: undefined } : original.call(process, name));
