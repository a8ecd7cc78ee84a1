// The gate's two pipes (gate.ts has the whole protocol): their fds in the gate and what each side writes.

/** The gate reads GATE_GO here before it runs the command; EOF or anything else: exit 125. */
export const GATE_FD = 3;
/** What nsrun writes to GATE_FD to let the command start. */
export const GATE_GO = 'go\n';
/**
 * The gate says on this fd that it is running (see READY): its programs are loaded, and its
 * parent-death signal is set. nsrun releases the command only after that, so an nsrun killed
 * at any moment after the release takes the container with it.
 */
export const GATE_READY_FD = 4;
/** What the gate writes on GATE_READY_FD (one byte; only its arrival counts). */
export const GATE_READY = 'r';
