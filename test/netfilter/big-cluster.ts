/** N nodes × P pods, S services of 3 endpoints each, every one a NodePort. */
export function bigCluster(nodes: number, podsPerNode: number, services: number): string {
    const lines = ['cluster big {', '  podNetwork 10.0.0.0/8', '  serviceNetwork 172.16.0.0/12', '  cni flannel vxlan',
        '  nodePortRange 30000-32767', '  network lan 192.168.0.0/16 { mtu 1500 gateway 192.168.0.1 }'];
    let pod = 0;
    for (let n = 0; n < nodes; n++) {
        lines.push(`  node n${n} { address 192.168.${n >> 8}.${(n & 255) + 1 - (n & 255 ? 0 : 0)} on lan podCIDR 10.${n >> 8}.${n & 255}.0/24`);
        for (let p = 0; p < podsPerNode; p++, pod++) lines.push(`    pod p${pod} 10.${n >> 8}.${n & 255}.${p + 2} labels app=s${pod % services}`);
        lines.push('  }');
    }
    for (let s = 0; s < services; s++) {
        const vip = 0xac100000 + 10 + s;
        lines.push(`  service s${s} { type NodePort clusterIP 172.${(vip >>> 16) & 255}.${(vip >>> 8) & 255}.${vip & 255} port 80/tcp targetPort 8080 nodePort ${30000 + (s % 2700)} selector app=s${s} }`);
    }
    lines.push('}');
    return lines.join('\n');
}
