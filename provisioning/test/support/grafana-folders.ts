/**
 * How Grafana resolves the folders of provisioned files at start-up, in small, for a test that
 * cannot run Grafana here. From Grafana's provisioning service (pkg/services/provisioning):
 *
 * - alerting is provisioned first (RunInitProvisioners: data sources, plugins, alerting); each
 *   rule group's `folder` is a title: a root folder of that title is looked up, and created with
 *   a generated uid when there is none (the alerting file format has no folder uid);
 * - dashboards follow (Run); a provider with `folderUid` looks its folder up by that uid, one
 *   without by its `folder` title; a folder not found is created with the provider's `folderUid`
 *   (empty: generated) and `folder` title.
 */
export interface Folder {
  uid: string;
  title: string;
}

export interface DashboardProvider {
  folder?: string;
  folderUid?: string;
}

export interface AlertGroup {
  folder: string;
}

export interface Resolution {
  folders: Folder[];
  /** Folder uid of each dashboard provider, in order. */
  dashboards: string[];
  /** Folder uid of each alert rule group, in order. */
  alertGroups: string[];
}

export function resolveFolders(alertGroups: readonly AlertGroup[], providers: readonly DashboardProvider[]): Resolution {
  const folders: Folder[] = [];
  let generated = 0;
  const create = (title: string, uid = `generated-${++generated}`): string => {
    folders.push({ uid, title });
    return uid;
  };
  const alertUids = alertGroups.map((g) => folders.find((f) => f.title === g.folder)?.uid ?? create(g.folder));
  const dashboardUids = providers.map((p) => {
    if (!p.folder) throw new Error('dashboard provider without a folder title');
    const found = p.folderUid ? folders.find((f) => f.uid === p.folderUid) : folders.find((f) => f.title === p.folder);
    return found?.uid ?? create(p.folder, p.folderUid || undefined);
  });
  return { folders, dashboards: dashboardUids, alertGroups: alertUids };
}
