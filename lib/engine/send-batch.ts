import type { QueuedSender } from './user-session.js';

/**
 * Requests made ready during one turn of the event loop, written together at its end (one
 * setImmediate for the whole batch). The loop reads every ready response first and then writes the
 * next requests, which costs the kernel less than a write after each read.
 */
export class SendBatch {
  private ready: QueuedSender[] = [];
  private spare: QueuedSender[] = [];
  private scheduled = false;
  private readonly flush = () => {
    this.scheduled = false;
    const batch = this.ready;
    this.ready = this.spare;
    for (let index = 0; index < batch.length; index++) batch[index]!.send();
    batch.length = 0;
    this.spare = batch;
  };

  add(sender: QueuedSender): void {
    this.ready.push(sender);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }
}
