/**
 * How Grafana resolves the folders of provisioned files at start-up, in small, for a test that
 * cannot run Grafana here. From Grafana's provisioning service (pkg/services/provisioning,
 * 11.x–13.x), as provisioning/README.md ("One folder") cites:
 *
 * - alerting is provisioned first (RunInitProvisioners: data sources, plugins, alerting), before
 *   the background service that provisions dashboards (Run);
 * - a rule group's `folder` is a path of titles (AlertRuleGroupV1 has no folder uid; `/` separates
 *   nested folders since grafana/grafana#77450, late 2023): each title is looked up under its parent and created with
 *   a generated uid when there is none;
 * - a dashboard provider with `folderUid` looks its folder up by that uid, one without by its
 *   `folder` title (at the root); a folder not found is created with the provider's `folderUid`
 *   (empty: generated) and `folder` title, even when a folder of that title exists.
 *
 * Every start (and every reload) runs the same lookups on the folders already there.
 */
export interface Folder {
  uid: string;
  title: string;
  /** Parent folder uid; '' at the root. */
  parent: string;
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

/** Splits a rule group's folder path as Grafana does: `/` separates, `\/` is a slash in a title. */
export function splitFolderPath(path: string): string[] {
  return path
    .split(/(?<!\\)\//)
    .map((t) => t.replaceAll('\\/', '/').trim())
    .filter((t) => t !== '');
}

/** One Grafana start: alerting, then dashboards, on the folders that `existing` already holds. */
export function resolveFolders(alertGroups: readonly AlertGroup[], providers: readonly DashboardProvider[], existing: readonly Folder[] = []): Resolution {
  const folders: Folder[] = existing.map((f) => ({ ...f }));
  let generated = folders.length;
  const create = (title: string, parent: string, uid = `generated-${++generated}`): string => {
    folders.push({ uid, title, parent });
    return uid;
  };
  const byTitle = (title: string, parent: string) => folders.find((f) => f.title === title && f.parent === parent)?.uid;
  const alertUids = alertGroups.map((g) => {
    const titles = splitFolderPath(g.folder);
    if (titles.length === 0) throw new Error(`rule group folder ${JSON.stringify(g.folder)} names no folder`);
    return titles.reduce((parent, title) => byTitle(title, parent) ?? create(title, parent), '');
  });
  const dashboardUids = providers.map((p) => {
    if (!p.folder) throw new Error('dashboard provider without a folder title');
    const found = p.folderUid ? folders.find((f) => f.uid === p.folderUid)?.uid : byTitle(p.folder, '');
    return found ?? create(p.folder, '', p.folderUid || undefined);
  });
  return { folders, dashboards: dashboardUids, alertGroups: alertUids };
}
