{{/* Common labels of every object in the release. */}}
{{- define "moor.labels" -}}
app.kubernetes.io/part-of: moor
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "moor.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The NATS URL the controllers use. */}}
{{- define "moor.natsUrl" -}}
{{- if eq .Values.nats.mode "embedded" -}}
nats://nats.{{ .Release.Namespace }}.svc.cluster.local:4222
{{- else -}}
{{ required "nats.external.url is required when nats.mode is external" .Values.nats.external.url }}
{{- end -}}
{{- end -}}

{{/* Pod and container security that passes the restricted Pod Security Standard. */}}
{{- define "moor.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "moor.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
A controller Deployment. Arguments: dict with root (.), name, component values, args, ports,
volumes, mounts.
*/}}
{{- define "moor.controller" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "moor.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .name }}
    app.kubernetes.io/component: controller
spec:
  replicas: {{ .values.replicas }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .name }}
      app.kubernetes.io/instance: {{ $root.Release.Name }}
  template:
    metadata:
      labels:
        {{- include "moor.labels" $root | nindent 8 }}
        app.kubernetes.io/name: {{ .name }}
      {{- with $root.Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ .name }}
      automountServiceAccountToken: true
      terminationGracePeriodSeconds: 60
      securityContext:
        {{- include "moor.podSecurityContext" $root | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: manager
          image: {{ include "moor.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["node", "/app/{{ .entry }}"]
          args:
            - --probe-addr=0.0.0.0:9440
            - --nats-url={{ include "moor.natsUrl" $root }}
            - --log-level={{ $root.Values.logLevel }}
            {{- if $root.Values.leaderElection.enabled }}
            - --leader-elect
            - --leader-election-namespace={{ $root.Release.Namespace }}
            {{- end }}
            {{- with $root.Values.watchLabelSelector }}
            - --watch-label-selector={{ . }}
            {{- end }}
            {{- if and (eq $root.Values.nats.mode "external") $root.Values.nats.external.credentialsSecret }}
            - --nats-creds-file=/etc/moor/nats/creds
            {{- end }}
            {{- range .args }}
            - {{ . }}
            {{- end }}
            {{- range .values.extraArgs }}
            - {{ . }}
            {{- end }}
          env:
            - name: HOSTNAME
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
          ports:
            - { name: metrics, containerPort: 9440, protocol: TCP }
            {{- range .ports }}
            - { name: {{ .name }}, containerPort: {{ .port }}, protocol: TCP }
            {{- end }}
          livenessProbe:
            httpGet: { path: /healthz, port: metrics }
            periodSeconds: 10
          readinessProbe:
            httpGet: { path: /readyz, port: metrics }
            periodSeconds: 5
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- include "moor.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            {{- if and (eq $root.Values.nats.mode "external") $root.Values.nats.external.credentialsSecret }}
            - { name: nats-creds, mountPath: /etc/moor/nats, readOnly: true }
            {{- end }}
            {{- range .mounts }}
            - {{ toYaml . | nindent 14 | trim }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- if and (eq $root.Values.nats.mode "external") $root.Values.nats.external.credentialsSecret }}
        - name: nats-creds
          secret: { secretName: {{ $root.Values.nats.external.credentialsSecret }} }
        {{- end }}
        {{- range .volumes }}
        - {{ toYaml . | nindent 10 | trim }}
        {{- end }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
