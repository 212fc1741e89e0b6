// The crash test's writer: a child process running the MHFS library on an image file, taking
// Workload steps forever and printing "synced N" after each sync returns. The test kills it
// with SIGKILL at a random moment. Usage: node crashwriter.js IMAGE SEED [queue]
// With `queue` the image is reached as fsd reaches it: through a disk queue and its host I/O
// thread, which the kill ends at whatever point it has reached.
import { writeSync } from 'node:fs';
import { FileBlockDevice, type BlockDevice } from './blockdev.js';
import { Mhfs } from './mhfs.js';
import { Workload } from './workload.js';
import { startDiskQueue } from '../host/node/diskqueue.js';
import { QueueBlockDevice } from '../userland/fsd/queue.js';

const [image, seedText, mode] = process.argv.slice(2);
const dev: BlockDevice = mode === 'queue' ? new QueueBlockDevice(startDiskQueue(image!, true).buffer) : new FileBlockDevice(image!);
const fs = Mhfs.mount(dev);
const w = new Workload(Number(seedText));
writeSync(1, 'ready\n');
for (;;) if (w.step(fs)) writeSync(1, `synced ${w.syncs}\n`);
