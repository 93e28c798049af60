{{/* The gate's environment: settings from values, secrets only by reference. */}}
{{- define "autopilot-gate.env" -}}
- name: PORT
  value: {{ .Values.containerPorts.http | quote }}
- name: METRICS_PORT
  value: {{ .Values.containerPorts.metrics | quote }}
- name: SHUTDOWN_DRAIN_MS
  value: {{ .Values.shutdownDrainMs | quote }}
{{- with include "autopilot-gate.maxOldSpaceMiB" . }}
- name: NODE_OPTIONS
  value: {{ printf "--max-old-space-size=%s" . | quote }}
{{- end }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.trustProxy }}
- name: TRUST_PROXY
  value: {{ . | quote }}
{{- end }}
- name: OPENAPI_ENABLED
  value: {{ .Values.openapiEnabled | quote }}
- name: POLICY_FILE
  value: /etc/autopilot-gate/policy/policy.yaml
{{ include "autopilot-gate.databaseUrlEnv" . }}
- name: DATABASE_POOL_MAX
  value: {{ .Values.database.poolMax | quote }}
{{- with .Values.auth.issuer }}
- name: AUTH_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.audience }}
- name: AUTH_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.allowedTenants }}
- name: AUTH_ALLOWED_TENANTS
  value: {{ join "," . | quote }}
{{- end }}
- name: GRAPH_MODE
  value: live
- name: GRAPH_BASE_URL
  value: {{ .Values.graph.baseUrl | quote }}
{{- include "autopilot-gate.azureEnv" . }}
- name: TICKET_PROVIDER
  value: {{ .Values.tickets.provider | quote }}
- name: ALLOW_LOCAL_TICKETS
  value: {{ .Values.tickets.allowLocalInProduction | quote }}
{{- if eq .Values.tickets.provider "servicenow" }}
{{- include "autopilot-gate.serviceNowEnv" . }}
{{- end }}
{{- with .Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ $.Values.tracing.serviceName | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "autopilot-gate.azureEnv" -}}
{{- with .Values.azure.tenantId }}
- name: AZURE_TENANT_ID
  value: {{ . | quote }}
{{- end }}
{{- with .Values.azure.clientId }}
- name: AZURE_CLIENT_ID
  value: {{ . | quote }}
{{- end }}
{{- with .Values.azure.authorityHost }}
- name: AZURE_AUTHORITY_HOST
  value: {{ . | quote }}
{{- end }}
{{- if eq .Values.azure.credential "clientSecret" }}
- name: AZURE_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.azure.existingSecret }}
      key: azure-client-secret
{{- else if eq .Values.azure.credential "clientCertificate" }}
- name: AZURE_CLIENT_CERTIFICATE_PATH
  value: /var/run/secrets/autopilot-gate/azure/client-certificate.pem
- name: AZURE_CLIENT_CERTIFICATE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.azure.existingSecret }}
      key: azure-client-certificate-password
      optional: true
{{- end }}
{{- end -}}

{{/* Either pair may be present; the gate prefers OAuth client credentials when both are. */}}
{{- define "autopilot-gate.serviceNowEnv" -}}
{{- with .Values.serviceNow.instanceUrl }}
- name: SERVICENOW_INSTANCE_URL
  value: {{ . | quote }}
{{- end }}
{{- range $variable, $key := dict "SERVICENOW_CLIENT_ID" "servicenow-client-id" "SERVICENOW_CLIENT_SECRET" "servicenow-client-secret" "SERVICENOW_USERNAME" "servicenow-username" "SERVICENOW_PASSWORD" "servicenow-password" }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.serviceNow.existingSecret }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- end -}}
