import type { CniGenerator, CniModel } from './cni';
import { Flannel } from './flannel';
import { Calico } from './calico';
import { BridgeCni } from './bridge';

export type { CniGenerator, CniModel, PodPlumbing } from './cni';
export { SharedRemote } from './cni';

export function cniGenerator(model: CniModel): CniGenerator {
    switch (model.cni.plugin) {
        case 'flannel': return new Flannel(model);
        case 'calico': return new Calico(model);
        default: return new BridgeCni(model);
    }
}
