/**
 * The next unused address of a range, for quick fixes ("take the next free address").
 * A cursor per range keeps repeated requests linear, and addresses already handed out in
 * this run are not offered twice.
 */
import { type Cidr, type Ip, formatPrefix } from '../model/address';

export class FreeAddresses {
    private readonly given = new Set<Ip>();
    private readonly cursors = new Map<string, Ip>();

    constructor(private readonly taken: { has(ip: Ip): boolean }) { }

    /**
     * The first address of `range` nobody owns, skipping the network and broadcast
     * addresses of a subnet and any address `reserved` says is spoken for.
     */
    next(range: Cidr, reserved: (ip: Ip) => boolean = () => false): Ip | undefined {
        const key = formatPrefix(range);
        const subnet = range.length < 31;
        const first = subnet ? range.network + 1 : range.network;
        const last = subnet ? range.last - 1 : range.last;
        for (let ip = Math.max(this.cursors.get(key) ?? first, first); ip <= last; ip++) {
            if (this.taken.has(ip) || this.given.has(ip) || reserved(ip)) continue;
            this.given.add(ip);
            this.cursors.set(key, ip + 1);
            return ip;
        }
        return undefined;
    }
}
