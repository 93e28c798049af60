// Preloaded (`node -r`) into the gate only when it runs under --cpu-prof. A process killed by a signal writes no
// profile, and the gate's own shutdown hooks end by re-raising the signal; so this listener, registered before
// the gate's, turns SIGTERM into a plain exit, which makes Node write the .cpuprofile.
'use strict';
process.on('SIGTERM', () => process.exit(0));
