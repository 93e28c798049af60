{{- define "autopilot-gate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "autopilot-gate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "autopilot-gate.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "autopilot-gate.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "autopilot-gate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "autopilot-gate.releaseLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Every pod of the release, the gate's and the migration Job's: what the NetworkPolicy selects. */}}
{{- define "autopilot-gate.releaseLabels" -}}
app.kubernetes.io/name: {{ include "autopilot-gate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Only the gate's pods: the Service, PDB and spread must never pick the migration Job's pod. */}}
{{- define "autopilot-gate.selectorLabels" -}}
{{ include "autopilot-gate.releaseLabels" . }}
app.kubernetes.io/component: gate
{{- end -}}

{{- define "autopilot-gate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "autopilot-gate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "autopilot-gate.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "autopilot-gate.policyConfigMapName" -}}
{{- default (printf "%s-policy" (include "autopilot-gate.fullname" .)) .Values.policy.existingConfigMap -}}
{{- end -}}

{{/* The image's "node" user; numeric so runAsNonRoot can be checked without reading /etc/passwd. */}}
{{- define "autopilot-gate.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "autopilot-gate.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "autopilot-gate.databaseUrlEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: database-url
{{- end -}}

{{/*
V8 sizes its heap from the host's memory, not the pod's limit: without a cap, garbage collection starts too
late and the kernel kills the pod first. The schema allows only Mi and Gi limits, so both are handled here.
*/}}
{{- define "autopilot-gate.maxOldSpaceMiB" -}}
{{- if gt (int .Values.heap.maxOldSpaceMiB) 0 -}}
{{- int .Values.heap.maxOldSpaceMiB -}}
{{- else if .Values.resources.limits.memory -}}
{{- $limit := toString .Values.resources.limits.memory -}}
{{- $mib := ternary (mulf (trimSuffix "Gi" $limit | float64) 1024) (trimSuffix "Mi" $limit | float64) (hasSuffix "Gi" $limit) -}}
{{- mulf $mib .Values.heap.limitRatio | floor | int -}}
{{- end -}}
{{- end -}}

{{/* The pod must outlive the drain plus a margin for the process to close its pool and flush its logs. */}}
{{- define "autopilot-gate.validateGracePeriod" -}}
{{- $drainSeconds := div (add (int .Values.shutdownDrainMs) 999) 1000 -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (add $drainSeconds 5) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be above shutdownDrainMs/1000 + 5 (%d)" (int .Values.terminationGracePeriodSeconds) (add $drainSeconds 5)) -}}
{{- end -}}
{{- end -}}
