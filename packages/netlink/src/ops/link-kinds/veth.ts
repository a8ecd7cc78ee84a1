import * as C from '../../constants/index.js';
import { ValidationError } from '../../errors.js';
import type { NetnsTarget } from '../common.js';
import { checkCommon, ifinfomsg, linkKind, writeCommon } from './kind.js';

// veth (linux/veth.h): a pair; the peer is a whole struct ifinfomsg + IFLA_* in VETH_INFO_PEER.

export interface VethPeer {
  name?: string;
  address?: string;
  mtu?: number;
  group?: number;
  txqlen?: number;
  /** Create the peer straight inside another namespace. (It cannot be brought up in the same
   * request: the kernel opens it before its other end exists and answers ENOTCONN.) */
  netns?: NetnsTarget;
}

export interface VethOptions {
  peer?: VethPeer;
}

export const veth = linkKind<VethOptions>()({
  kind: 'veth',
  check(s) {
    if (!s.peer) return;
    checkCommon(s.peer, 'link.peer');
    if (s.peer.name === s.name && s.peer.netns === undefined && s.netns === undefined) {
      throw new ValidationError('link.peer.name', s.peer.name, 'must differ from the link name in the same namespace');
    }
  },
  writeData(w, s) {
    if (!s.peer) return;
    const peer = w.beginNest(C.VETH_INFO_PEER);
    ifinfomsg(w, 0);
    writeCommon(w, s.peer, 'link.peer');
    w.endAttr(peer);
  },
});
