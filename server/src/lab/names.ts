/**
 * Names of what the lab creates on the machine. Every network namespace starts with
 * `kn-<hash4>-` where the hash is of the .knet file's absolute path, so several labs
 * coexist and `knet lab down` finds all of one lab's namespaces by prefix alone, even after
 * a crash left no record. Devices live only inside those namespaces and keep the model's
 * names (the kernel caps them at 15 characters, as real nodes do).
 */
import * as path from 'node:path';
import { fnv1a } from '../model/names';

export const LAB_PREFIX = 'kn-';
/** The kernel's limit on interface names (IFNAMSIZ − 1). */
export const IFNAME_MAX = 15;

export type LabNsKind = 'node' | 'pod' | 'host' | 'network';

const KIND_LETTER: Record<LabNsKind, string> = { node: 'n', pod: 'p', host: 'h', network: 'w' };

/** `kn-1a2b-`: the prefix of every namespace of the lab built from `file`. */
export function labPrefix(file: string): string {
    const hash = fnv1a(path.resolve(file)).toString(16).padStart(8, '0').slice(0, 4);
    return `${LAB_PREFIX}${hash}-`;
}

/**
 * The namespace for one model namespace: `kn-1a2b-n-node01`, `kn-1a2b-p-default_web`,
 * `kn-1a2b-h-client`, `kn-1a2b-w-lan`. A letter per kind keeps a node and a pod of one
 * name apart; `/` (pod keys) is not allowed in a namespace name.
 */
export function netnsName(prefix: string, kind: LabNsKind, name: string): string {
    return `${prefix}${KIND_LETTER[kind]}-${name.replace(/[^A-Za-z0-9_.@-]/g, '_')}`;
}

/** An interface name of at most 15 characters from `base`, made unique by a hash when cut. */
export function ifname(base: string): string {
    if (base.length <= IFNAME_MAX) return base;
    const h = fnv1a(base).toString(16).padStart(8, '0').slice(0, 4);
    return base.slice(0, IFNAME_MAX - 5) + '-' + h;
}
